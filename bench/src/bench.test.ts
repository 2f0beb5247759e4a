// The harness end to end at --scale=0.01: every default scenario runs (the real binary for
// ingest), produces finite numbers, and the JSON, Markdown and SVG files land in a temp output
// directory, never in bench/results.
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { BenchRun } from './run.ts';
import { RESULTS_DIR, runBench, selectScenarios } from './run.ts';

/** Scenarios run beside the others, so the suite takes about half the wall time on two cores. */
const SECOND_HALF = ['search', 'metrics', 'ingest-to-queryable'];
/** Scenarios outside the default suite that the smoke run covers too. */
const EXTRA = ['needle', 'soak'];

describe('bench harness at --scale=0.01', () => {
  const out = mkdtempSync(join(tmpdir(), 'spanbase-bench-test-'));
  let run: BenchRun;
  let second: BenchRun;
  let scenarios: BenchRun['report']['scenarios'];
  const scenario = (name: string) => {
    const s = scenarios.find((x) => x.name === name)!;
    expect(s.error, `${name} failed`).toBeUndefined();
    return s;
  };
  const row = (name: string, metric: string) => {
    const r = scenario(name).rows.find((x) => x.metric === metric);
    expect(r, `${name}: ${metric}`).toBeDefined();
    return r!;
  };
  beforeAll(async () => {
    const all = selectScenarios([]).map((s) => s.name);
    [run, second] = await Promise.all([
      runBench({ scenarios: all.filter((n) => !SECOND_HALF.includes(n)), scale: 0.01, outDir: join(out, 'a'), quiet: true }),
      runBench({ scenarios: [...all.filter((n) => SECOND_HALF.includes(n)), ...EXTRA], scale: 0.01, outDir: join(out, 'b'), quiet: true }),
    ]);
    scenarios = [...run.report.scenarios, ...second.report.scenarios];
  }, 240_000);
  afterAll(() => rmSync(out, { recursive: true, force: true }));

  it('runs the default suite, each scenario with finite numbers', () => {
    const { report } = run;
    expect(report.schema).toBe('spanbase-bench/1');
    expect(report.options).toMatchObject({ scale: 0.01, seed: 1, backend: 'local' });
    expect(scenarios.map((s) => s.name).sort()).toEqual([...selectScenarios([]).map((s) => s.name), ...EXTRA].sort());
    expect(scenarios.map((s) => s.name)).toEqual(expect.arrayContaining(['ingest', 'ingest-grpc', 'traceql-parse', 'block-write', 'trace-by-id', 'compaction', ...SECOND_HALF]));
    for (const s of scenarios) {
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
      for (const c of s.charts) for (const series of c.series) expect(series.points.length, `${s.name} ${c.id} ${series.label}`).toBeGreaterThan(0);
    }
    expect(report.knownLimits.length).toBeGreaterThan(0);
  });

  it('finds the planted needles beside DuckDB, and measures what the needle indexes cost', () => {
    for (const q of ['generic attribute', 'span name', 'service and status', 'regex over an attribute', 'regex without a literal', 'matches nothing']) {
      expect(row('needle', `${q}: p50`).note, q).toMatch(/the planted ones$/);
      expect(row('needle', `${q}: first search after a restart`).spanbase).toBeGreaterThan(0);
    }
    expect(scenario('needle').notes?.some((n) => /answered|expected/.test(n))).toBe(false);
    expect(row('needle', 'block size with the needle indexes: bytes per span').peerLabel).toBe('the same block without them');
  });

  it('measures block size and write speed beside DuckDB\'s export of the same rows', () => {
    const size = row('block-write', 'data.parquet bytes per span');
    expect(size.peerLabel).toMatch(/DuckDB/);
    expect(size.goal).toBe('<= 1.0x DuckDB');
    expect(typeof size.goalMet).toBe('boolean');
    expect(row('block-write', 'ingest write: spans per CPU-second').peer).toBeGreaterThan(0);
    // The ingester's own head block (every span: the scenario checks the count), by its block worker.
    expect(row('block-write', 'ingest write: spans/s').note).toMatch(/^the ingester's head block written by its block worker \(level 0\), p50 of 3 writes \([\d.,]+, [\d.,]+, [\d.,]+ ms\)/);
  });

  it('looks traces up on local disk and on s3rver in one run, with the request goals checked', () => {
    for (const backend of ['local disk', 's3rver']) {
      expect(row('trace-by-id', `${backend}: hit latency p99`).spanbase).toBeGreaterThan(0);
      const holder = row('trace-by-id', `${backend}: requests of the block holding the id, cold (most)`);
      expect(holder.spanbase).toBeLessThanOrEqual(4);
      expect(holder.goalMet).toBe(true);
      expect(row('trace-by-id', `${backend}: bloom reads of a block that cannot hold the id, cold (most)`).spanbase).toBe(1);
    }
    expect(row('trace-by-id', 'local disk: hit latency p50').peerLabel).toBe('DuckDB 1 thread');
  });

  it('searches and runs metrics queries through the HTTP API beside DuckDB, with the same answers', () => {
    for (const q of ['by trace id', 'by service + attribute', 'by duration', 'by error', 'most recent']) {
      expect(row('search', `${q}: p50 (vs DuckDB default threads)`).peerLabel).toBe('DuckDB default threads');
    }
    // The first-found answers are checked against DuckDB (as many traces as match, up to 20, each matching).
    for (const q of ['by trace id', 'by service + attribute', 'by duration', 'by error']) expect(row('search', `${q}: p50`).note).toMatch(/\d+ traces, checked against DuckDB$/);
    expect(row('search', 'by trace id: p50').note).toMatch(/: 1 traces, checked/);
    expect(scenario('search').charts.length).toBe(5);
    for (const q of ['rate() by service', 'quantile_over_time(duration, .99)']) expect(row('metrics', `${q}: p50`).goal).toBe('<= 1.0x DuckDB');
    expect(scenario('metrics').notes.join('\n')).not.toMatch(/answered with no data points/);
  });

  it('measures compaction in a child process and ingest-to-queryable under load', () => {
    expect(row('compaction', 'merge: peak RSS of the merging process').spanbase).toBeGreaterThan(10);
    expect(row('compaction', 'merge: spans/s').peerLabel).toMatch(/DuckDB/);
    for (const m of ['by id: ack to queryable p50', 'by search: ack to queryable p99', 'background ingest: accepted spans/s']) expect(row('ingest-to-queryable', m).spanbase).toBeGreaterThan(0);
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
    for (const { files, report } of [run, second]) checkFiles(files, report);
  });

  function checkFiles(files: BenchRun['files'], report: BenchRun['report']): void {
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
      expect(md.join('\n')).toContain(`](${encodeURI(basename(f))})`);
    }
  }

  it('rejects unknown scenario names', () => {
    expect(() => selectScenarios(['no-such-scenario'])).toThrow(/unknown scenario "no-such-scenario"; known: ingest/);
  });
});
