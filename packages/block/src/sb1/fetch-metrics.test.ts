// Differential test of the metrics paths over a block: every generated metrics query, evaluated
// through the block's column fetcher and through its spanset fetcher, must give the series the
// in-memory column fetcher (the engine's reference) gives over the same traces.
import { MemoryStore } from '@spanbase/backend';
import { bytesToHex } from '@spanbase/model';
import type { MetricsFetcher, MetricsRequest, MetricsResult } from '@spanbase/traceql';
import { MemoryColumnFetcher, evaluateMetrics, finishMetrics, parse, planMetrics } from '@spanbase/traceql';
import { beforeAll, describe, expect, it } from 'vitest';
import { openBlock, writeBlock } from '../registry.ts';
import { Rng } from '../testing/random.ts';
import { blockColumnFetcher } from './fetch-columns.ts';
import { blockSpansetFetcher } from './fetch-spansets.ts';
import { CORPUS_END, CORPUS_START, corpusTraces } from './fetch-test-corpus.ts';
import type { Sb1Reader } from './reader.ts';

const S = 1_000_000_000n;
const FULL: MetricsRequest = { start: CORPUS_START - 60n * S, end: CORPUS_END + 60n * S, step: 60n * S, exemplars: 20 };
const PART: MetricsRequest = { start: CORPUS_START + 120n * S, end: CORPUS_START + 300n * S, step: 30n * S };

// Conjunctions of these go through the column path; the rest make the spanset path.
const EXACT = [
  'status = error', 'kind = server', 'name = "GET /"', 'duration > 40ms', 'duration <= 5ms', 'resource.service.name = "cart"', 'resource.service.name != "db"',
  '.service.name =~ "c.*"', 'span.http.route = "/y"', '.http.route != "/"', 'span.http.status_code >= 400', 'span.http.status_code = "500"', '.a = "x"', 'span.a != nil',
  'resource.b = nil', '.num > 100', 'event:name = "exception"', 'link:spanID != nil', 'instrumentation:name = "db-driver"', 'rootServiceName = "frontend"',
  'rootServiceName != "cart"', 'traceDuration > 200ms', 'span:childCount > 0', 'nestedSetParent = -1', 'statusMessage = ""', 'resource.deployment.environment = "prod"', 'event.a = "x"',
  '.a = 1', 'span.b = true', 'resource.service.version = 3', 'trace:id != "0"', 'span:id != "0"', 'event.e = nil', 'link.l = nil',
];
const INEXACT = ['.a = "x" || status = error', '.num * 2 > 100', '!(kind = client)', 'span.http.route'];
const FUNCTIONS = [
  'rate()', 'count_over_time()', 'min_over_time(duration)', 'max_over_time(span.num)', 'avg_over_time(duration)', 'sum_over_time(span.http.status_code)',
  'quantile_over_time(duration, .5, .9)', 'histogram_over_time(duration)', 'count_over_time()', 'rate()',
];
const BY = ['', 'resource.service.name', 'span.http.route', 'name, status', '.a', 'rootServiceName', 'kind, resource.deployment.environment', 'span.http.status_code', 'event:name', 'instrumentation:name', 'traceDuration', 'nestedSetLeft'];

function metricsQueries(seed: number, n: number): string[] {
  const rng = new Rng(seed);
  const out = EXACT.map((c) => `{ ${c} } | count_over_time() by (resource.service.name)`);
  out.push('{ .a = "x" } | compare({ status = error })', '{} | compare({ resource.service.name = "cart" })', '{ kind = server } > { kind = client } | rate() by (name)', '{ } | count_over_time() by (duration)');
  while (out.length < n) {
    const conds: string[] = [];
    const k = rng.int(3);
    for (let i = 0; i < k; i++) conds.push(rng.chance(0.85) ? rng.pick(EXACT) : rng.pick(INEXACT));
    const by = rng.pick(BY);
    out.push(`{ ${conds.join(' && ')} } | ${rng.pick(FUNCTIONS)}${by ? ` by (${by})` : ''}`);
  }
  return out;
}

/** Same series, labels and values (sums in another order may differ in the last bits). */
function expectSame(actual: MetricsResult, expected: MetricsResult, message: string): void {
  expect(actual.series.map((s) => s.labels), message).toEqual(expected.series.map((s) => s.labels));
  actual.series.forEach((s, i) => {
    const want = expected.series[i].values;
    expect(s.values.length, message).toBe(want.length);
    s.values.forEach((v, j) => {
      const w = want[j];
      const same = (Number.isNaN(v) && Number.isNaN(w)) || Math.abs(v - w) <= 1e-9 * Math.max(Math.abs(v), Math.abs(w));
      expect(same, `${message}: series ${i} interval ${j}: ${v} vs ${w}`).toBe(true);
    });
  });
}

async function run(query: string, fetcher: MetricsFetcher, req: MetricsRequest): Promise<MetricsResult> {
  const plan = planMetrics(query, req);
  return finishMetrics(plan, await evaluateMetrics(plan, fetcher));
}

describe('metrics over a block agree with the in-memory reference', () => {
  const traces = corpusTraces(8, 300);
  const spans = new Map<string, bigint>(traces.flat().map((r) => [`${bytesToHex(r.span.traceId)}/${bytesToHex(r.span.spanId)}`, r.span.startTimeUnixNano]));
  let reader: Sb1Reader;
  const reference = new MemoryColumnFetcher(traces);

  beforeAll(async () => {
    const store = new MemoryStore();
    reader = openBlock(store, await writeBlock(store, { tenant: 't', rowGroupSpans: 250, pageSizeBytes: 2048 }, traces)) as Sb1Reader;
  });

  it('through the column path and the spanset path', { timeout: 300_000 }, async () => {
    const columns = blockColumnFetcher(reader);
    const spansets = blockSpansetFetcher(reader);
    const both: MetricsFetcher = { fetch: (r, s) => spansets.fetch(r, s), fetchColumns: (r, s) => columns.fetchColumns(r, s) };
    let checked = 0;
    let columnPath = 0;
    for (const q of metricsQueries(3, 320)) {
      expect(parse(q).errors, q).toEqual([]);
      for (const req of checked % 4 === 0 ? [FULL, PART] : [FULL]) {
        const expected = await run(q, reference, req);
        columns.stats.yielded = -1;
        const viaColumns = await run(q, both, req);
        if (columns.stats.yielded >= 0) columnPath++;
        expectSame(viaColumns, expected, `${q} (columns)`);
        expectSame(await run(q, spansets, req), expected, `${q} (spansets)`);
        // Exemplars depend on the order spans come in; each must be a real span at its time.
        for (const s of viaColumns.series) {
          for (const e of s.exemplars) {
            const id = (key: string) => e.labels.find((l) => l.key === key)!.value as { value: string };
            const trace = id('trace:id').value.padStart(32, '0');
            const start = spans.get(`${trace}/${id('span:id').value}`);
            expect(start, q).toBeDefined();
            expect(Number(start! / 1_000_000n), q).toBe(e.timestampMs);
          }
        }
      }
      checked++;
    }
    expect(checked).toBe(320);
    expect(columnPath).toBeGreaterThan(200);
  });

  it('reads id columns only while exemplars are still wanted, with the same exemplars', async () => {
    const asked: string[][] = [];
    const readChunks = reader.readChunks.bind(reader);
    const spy = Object.create(reader) as Sb1Reader;
    spy.readChunks = (group, names, opts) => (asked.push([...names]), readChunks(group, names, opts));
    const groups = (await reader.rowGroups()).length;
    const lazy = blockColumnFetcher(spy);
    const eager = blockColumnFetcher(reader);
    const query = '{} | rate() by (resource.service.name)';
    const got = await run(query, { fetch: () => { throw new Error('spanset path'); }, fetchColumns: (r, s) => lazy.fetchColumns(r, s) }, FULL);
    const want = await run(query, { fetch: () => { throw new Error('spanset path'); }, fetchColumns: (r, s) => eager.fetchColumns({ ...r, idsWanted: undefined }, s) }, FULL);
    expect(got).toEqual(want);
    expect(got.series.reduce((n, s) => n + s.exemplars.length, 0)).toBeGreaterThan(0);
    const withIds = asked.filter((names) => names.includes('trace_id')).length;
    expect(withIds).toBeGreaterThan(0);
    expect(withIds).toBeLessThan(groups / 2);
  });
});
