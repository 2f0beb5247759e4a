// The harness end to end at --scale=0.01: every default scenario runs (the real binary for
// ingest), produces finite numbers, and the JSON, Markdown and SVG files land in a temp output
// directory, never in bench/results.
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { BenchRun } from './run.ts';
import { RESULTS_DIR, runBench, selectScenarios } from './run.ts';

describe('bench harness at --scale=0.01', () => {
  const out = mkdtempSync(join(tmpdir(), 'spanbase-bench-test-'));
  let run: BenchRun;
  beforeAll(async () => {
    run = await runBench({ scale: 0.01, outDir: out, quiet: true });
  }, 120_000);
  afterAll(() => rmSync(out, { recursive: true, force: true }));

  it('runs the default suite, each scenario with finite numbers', () => {
    const { report } = run;
    expect(report.schema).toBe('spanbase-bench/1');
    expect(report.options).toMatchObject({ scale: 0.01, seed: 1, backend: 'local' });
    expect(report.scenarios.map((s) => s.name)).toEqual(selectScenarios([]).map((s) => s.name));
    expect(report.scenarios.map((s) => s.name)).toEqual(expect.arrayContaining(['ingest', 'ingest-grpc', 'traceql-parse']));
    for (const s of report.scenarios) {
      expect(s.error, `${s.name} failed`).toBeUndefined();
      expect(s.rows.length, s.name).toBeGreaterThan(0);
      for (const r of s.rows) {
        expect(Number.isFinite(r.spanbase), `${s.name}: ${r.metric}`).toBe(true);
        expect(r.spanbase, `${s.name}: ${r.metric}`).toBeGreaterThan(0);
        if (r.peer !== undefined) {
          expect(r.peer, `${s.name}: ${r.metric} peer`).toBeGreaterThan(0);
          expect(Number.isFinite(r.ratio), `${s.name}: ${r.metric} ratio`).toBe(true);
        }
      }
    }
    expect(report.knownLimits.length).toBeGreaterThan(0);
  });

  it('measures ingest against the decode-only ceiling, with latency, RSS and charts', () => {
    for (const name of ['ingest', 'ingest-grpc']) {
      const s = run.report.scenarios.find((x) => x.name === name)!;
      expect(s.error, `${name} failed`).toBeUndefined();
      const flat = s.rows.find((r) => r.metric.includes('flat out: accepted spans/s'))!;
      expect(flat.peerLabel).toMatch(/decode-only ceiling/);
      expect(flat.ratio).toBeCloseTo(flat.spanbase / flat.peer!, 6);
      expect(s.rows.some((r) => r.metric.endsWith('ack latency p99') && r.unit === 'ms')).toBe(true);
      expect(s.rows.some((r) => r.metric.endsWith('server peak RSS') && r.spanbase > 10)).toBe(true);
      expect(s.charts.map((c) => c.kind).sort()).toEqual(['latency', 'timeline', 'timeline']);
      for (const c of s.charts) for (const series of c.series) expect(series.points.length, `${name} ${c.id} ${series.label}`).toBeGreaterThan(0);
    }
  });

  it('writes JSON, Markdown opening with the summary table, and SVG charts into --out', () => {
    const { files, report } = run;
    for (const f of [files.json, files.markdown, ...files.charts]) {
      expect(f.startsWith(out)).toBe(true);
      expect(f.startsWith(RESULTS_DIR)).toBe(false);
      expect(existsSync(f)).toBe(true);
    }
    expect(JSON.parse(readFileSync(files.json, 'utf8'))).toEqual(JSON.parse(JSON.stringify(report)));
    const md = readFileSync(files.markdown, 'utf8').split('\n');
    expect(md[0]).toMatch(/^# Spanbase benchmark, \d{4}-\d{2}-\d{2}, /);
    const header = md.findIndex((l) => l.startsWith('| scenario | metric | Spanbase | peer | ratio |'));
    expect(header).toBeGreaterThan(0);
    expect(header).toBeLessThan(5);
    const rows = report.scenarios.reduce((n, s) => n + s.rows.length, 0);
    expect(md.slice(header + 2, header + 2 + rows).every((l) => l.startsWith('| '))).toBe(true);
    expect(md.join('\n')).toContain('not measured here');
    expect(files.charts.length).toBe(report.scenarios.reduce((n, s) => n + s.charts.length, 0));
    for (const f of files.charts) {
      const svg = readFileSync(f, 'utf8');
      expect(svg.startsWith('<svg xmlns="http://www.w3.org/2000/svg"')).toBe(true);
      expect(svg.trimEnd().endsWith('</svg>')).toBe(true);
      expect(svg).toMatch(/<polyline|<circle/);
      expect(md.join('\n')).toContain(`](${encodeURI(f.slice(out.length + 1))})`);
    }
  });

  it('rejects unknown scenario names', () => {
    expect(() => selectScenarios(['no-such-scenario'])).toThrow(/unknown scenario "no-such-scenario"; known: ingest/);
  });
});
