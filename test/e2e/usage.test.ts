// `spanbase usage`: what is stored per tenant, service and day, and with --dry-run what a proposed
// tail-sampling policy would keep and drop of it. The dry run over blocks written without sampling
// must agree, rule by rule and to the trace and span, with what an ingester running that policy
// then does with the same traffic (its /metrics counters).
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import type { ReadableSpan } from '@opentelemetry/sdk-trace';
import type { Config } from '@spanbase/config';
import { afterAll, describe, expect, it } from 'vitest';
import { FAST_FLUSH, waitForFlush } from '../src/flush.ts';
import { REPO_ROOT, startTestSpanbase } from '../src/harness.ts';
import type { TestSpanbase } from '../src/harness.ts';
import { exportSpans, makeExporter } from '../src/otel.ts';
import { generateTraffic } from '../src/traffic.ts';

const POLICY_FLAGS = ['--sampling.keep={ status = error }', '--sampling.keep={ duration > 1s }', '--sampling.drop={ span.http.route = "/healthz" }', '--sampling.default-ratio=0.1'];
const POLICY: Partial<Config> = {
  'sampling.keep': ['{ status = error }', '{ duration > 1s }'],
  'sampling.drop': ['{ span.http.route = "/healthz" }'],
  'sampling.default-ratio': 0.1,
};
const traffic = generateTraffic({ ordinary: 600, error: 20, slow: 20, health: 60 }, Date.now() - 20 * 60_000, 5 * 60_000);
const opened: TestSpanbase[] = [];
afterAll(async () => {
  for (const sb of opened) await sb.stop();
});

async function ingest(cfg: Partial<Config>, spans: ReadableSpan[]): Promise<TestSpanbase> {
  // Traces are sealed only by the final flush, so each is decided whole (a trace split over head
  // blocks is decided per block, by the dry run as by the ingester, but counted as late spans there).
  const sb = await startTestSpanbase({ ...FAST_FLUSH, 'ingester.trace-idle-period': 60_000, 'ingester.max-block-duration': 60_000, ...cfg });
  opened.push(sb);
  const exporter = makeExporter('proto', sb);
  for (let i = 0; i < spans.length; i += 500) expect((await exportSpans(exporter, spans.slice(i, i + 500))).code).toBe(0);
  await exporter.shutdown();
  await (sb.running.modules.get('ingester') as { ingester: { flushAll(): Promise<void> } }).ingester.flushAll();
  await waitForFlush(sb);
  return sb;
}

interface Row { tenant: string; decision?: string; rule?: string; service?: string; day?: string; traces: number; spans: number; bytes: number }

describe('spanbase usage', () => {
  it('reports stored data, and its dry run matches what sampling then does, rule by rule', async () => {
    const all = await ingest({}, traffic.flatMap((t) => t.spans));
    const r = spawnSync(process.execPath, [join(REPO_ROOT, 'services/spanbase/bin/spanbase.js'), 'usage', '--dry-run', '--json', `--storage.local.path=${join(all.dataDir, 'blocks')}`, ...POLICY_FLAGS], { encoding: 'utf8' });
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    const report = JSON.parse(r.stdout) as { usage: Row[]; dryRun: Row[] };
    const spans = traffic.reduce((n, t) => n + t.spans.length, 0);
    expect(report.usage.map((x) => [x.tenant, x.service]).every(([t, s]) => t === 'single-tenant' && s === 'shop')).toBe(true);
    expect(report.usage.reduce((n, x) => n + x.traces, 0)).toBe(traffic.length);
    expect(report.usage.reduce((n, x) => n + x.spans, 0)).toBe(spans);
    expect(report.usage.reduce((n, x) => n + x.bytes, 0)).toBeGreaterThan(0);
    // The API gives the same report; its dry run uses the tenant's policy (here none: all kept).
    const api = (await (await fetch(`${all.api}/api/usage?dry_run=true`)).json()) as { usage: Row[]; dryRun: Row[] };
    expect(api.usage).toEqual(report.usage);
    // One report at a time: a second asked while the first runs is told to come back.
    const both = await Promise.all([fetch(`${all.api}/api/usage`), fetch(`${all.api}/api/usage`)]);
    expect(both.map((r) => r.status).sort()).toEqual([200, 429]);
    expect(both.find((r) => r.status === 429)!.headers.get('retry-after')).toBe('5');
    expect(api.dryRun).toEqual([{ tenant: 'single-tenant', decision: 'kept', rule: 'default', traces: traffic.length, spans, bytes: expect.any(Number) as number }]);

    const sampled = await ingest(POLICY, traffic.flatMap((t) => t.spans));
    const m = await sampled.metricsText();
    const counted = (metric: string, row: Row) => {
      const labels = `tenant="${row.tenant}",decision="${row.decision}",rule="${row.rule!.replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"`;
      const line = m.split('\n').find((l) => l.startsWith(`${metric}{${labels}} `));
      return Number(line?.split(' ').at(-1) ?? 0);
    };
    expect(report.dryRun.length).toBeGreaterThanOrEqual(4);
    for (const row of report.dryRun) {
      expect(counted('spanbase_sampling_traces_total', row), `${row.decision} ${row.rule}`).toBe(row.traces);
      expect(counted('spanbase_sampling_spans_total', row), `${row.decision} ${row.rule}`).toBe(row.spans);
    }
    expect(report.dryRun.reduce((n, x) => n + x.traces, 0)).toBe(traffic.length);
  }, 180_000);
});
