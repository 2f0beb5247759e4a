// The README's curl examples, taken from README.md as written and run by `sh` against the real
// binary (only the host:port is changed, to the ports the test's Spanbase picked): the OTLP/JSON
// trace they send is dated now, so every lookup, search and metrics example after it finds it.
// Every curl command of the README must have a check here, so an example cannot drift unnoticed.
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { REPO_ROOT, spawnSpanbase, tempDir } from '../src/harness.ts';
import type { ChildSpanbase } from '../src/harness.ts';

const run = promisify(execFile);
type J = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

const TRACE_ID = '5b8efff798038103d269b633813fc60c';
const SPAN_NAMES = ['GET /cart', 'charge card'];

/**
 * The curl commands of the README's `sh` blocks, in order: each with its continuation lines or
 * here-document, after the variable assignments that come before it in its block.
 */
function readmeCurlCommands(markdown: string): string[] {
  const commands: string[] = [];
  for (const [, body] of markdown.matchAll(/```sh\n([\s\S]*?)```/g)) {
    const lines = body.split('\n');
    const assignments: string[] = [];
    for (let i = 0; i < lines.length; i++) {
      if (/^[A-Za-z_]\w*=/.test(lines[i])) assignments.push(lines[i]);
      if (!lines[i].startsWith('curl ')) continue;
      const cmd = [lines[i]];
      const heredoc = /<<-?\s*'?(\w+)'?/.exec(lines[i])?.[1];
      while (lines[i].endsWith('\\')) cmd.push(lines[++i]);
      if (heredoc) while (i + 1 < lines.length && lines[i] !== heredoc) cmd.push(lines[++i]);
      commands.push([...assignments, ...cmd].join('\n'));
    }
  }
  return commands;
}

function spanNames(resourceSpans: J[]): string[] {
  return resourceSpans.flatMap((r) => r.scopeSpans.flatMap((s: J) => s.spans.map((x: J) => x.name))).sort();
}

/** What each README example must show, by the URL it asks. */
const CHECKS: { url: RegExp; check(out: J): void }[] = [
  { url: /\/v1\/traces/, check: (out) => expect(out.partialSuccess?.rejectedSpans ?? 0).toBe(0) },
  { url: new RegExp(`/api/traces/${TRACE_ID}`), check: (out) => expect(spanNames(out.batches)).toEqual(SPAN_NAMES) },
  { url: new RegExp(`/api/v2/traces/${TRACE_ID}`), check: (out) => expect(spanNames(out.trace.resourceSpans)).toEqual(SPAN_NAMES) },
  { url: /\/api\/search /, check: (out) => expect(out.traces.map((t: J) => t.traceID)).toEqual([TRACE_ID]) },
  {
    url: /\/api\/metrics\/query_range/,
    check: (out) => {
      const services = out.series.map((s: J) => s.labels[0].value.stringValue).sort();
      expect(services).toEqual(['checkout', 'payments']);
      for (const s of out.series) expect(s.samples.some((p: J) => p.value > 0), JSON.stringify(s)).toBe(true);
    },
  },
  { url: /\/api\/v2\/search\/tags\?scope=resource/, check: (out) => expect(out.scopes[0].tags).toContain('service.name') },
  { url: /\/api\/v2\/search\/tag\/resource\.service\.name\/values/, check: (out) => expect(out.tagValues.map((v: J) => v.value).sort()).toEqual(['checkout', 'payments']) },
];

describe('README', () => {
  const commands = readmeCurlCommands(readFileSync(join(REPO_ROOT, 'README.md'), 'utf8'));
  let sb: ChildSpanbase;
  beforeAll(async () => {
    sb = await spawnSpanbase(tempDir('sb-readme-'));
  });
  afterAll(async () => {
    sb?.proc.kill('SIGTERM');
    await sb?.exited;
  });

  it('has a check for every curl example, and every check has its example', () => {
    expect(commands.length).toBeGreaterThan(0);
    for (const c of commands) expect(CHECKS.filter((k) => k.url.test(c)), `one check for:\n${c}`).toHaveLength(1);
    for (const k of CHECKS) expect(commands.some((c) => k.url.test(c)), `README example for ${k.url}`).toBe(true);
  });

  it('runs the curl examples verbatim and each shows what it promises', { timeout: 60_000 }, async () => {
    const otlpBase = sb.otlpHttp.replace(/\/v1\/traces$/, '');
    for (const command of commands) {
      const script = command.replaceAll('http://127.0.0.1:3200', sb.api).replaceAll('http://127.0.0.1:4318', otlpBase);
      const { stdout, stderr } = await run('sh', ['-c', script]);
      expect(stderr, command).toBe('');
      let out: J;
      try {
        out = JSON.parse(stdout);
      } catch {
        throw new Error(`not JSON from:\n${command}\n${stdout}`);
      }
      const check = CHECKS.find((k) => k.url.test(command))!;
      try {
        check.check(out);
      } catch (err) {
        throw new Error(`${command}\nanswered ${stdout.slice(0, 2000)}`, { cause: err });
      }
    }
  });
});
