// Every metrics function over generated data whose values are known by construction, through
// both fetch paths (columns and spansets), which must agree exactly.
import { describe, expect, it } from 'vitest';
import { MemoryFetcher } from '../memory-fetcher.ts';
import type { MetricsFetcher } from './engine.ts';
import { log2Bucket, QUANTILE_RELATIVE_ERROR } from './log-buckets.ts';
import { MemoryColumnFetcher } from './memory-columns.ts';
import { BASE, DATA, INTERVALS, RANGE, S, bucketed, run, series } from './test-fixture.ts';

const SERVICES = ['checkout', 'cart', 'payment'];
const fetchers: [string, MetricsFetcher][] = [
  ['columns', new MemoryColumnFetcher(DATA.traces)],
  ['spansets', new MemoryFetcher(DATA.traces)],
];

function closeTo(actual: Float64Array, expected: readonly number[], digits = 9): void {
  expect(actual.length).toBe(expected.length);
  expected.forEach((e, i) => {
    if (Number.isNaN(e)) expect(actual[i], `interval ${i}`).toBeNaN();
    else expect(actual[i], `interval ${i}`).toBeCloseTo(e, digits);
  });
}

const all = () => true;
const seconds = (ns: bigint) => Number(ns) / 1e9;

describe.each(fetchers)('metrics functions over %s', (_name, fetcher) => {
  it('rate() is spans per second in each step, labelled __name__', async () => {
    const r = await run('{} | rate()', fetcher);
    const counts = bucketed(all, () => '', () => 1).get('')!.map((xs) => xs.length);
    expect(r.series).toHaveLength(1);
    expect(r.series[0].labels).toEqual([{ key: '__name__', value: { type: 'string', value: 'rate' } }]);
    closeTo(r.series[0].values, counts.map((c) => c / 60));
    expect(counts[0]).toBe(0); // the extra first step is empty, but still a sample
  });

  it('count_over_time() by (resource.service.name) counts per service', async () => {
    const r = await run('{} | count_over_time() by (resource.service.name)', fetcher);
    const expected = bucketed(all, (s) => s.service, () => 1);
    expect(r.series.map((s) => s.labels[0].key)).toEqual(SERVICES.map(() => 'resource.service.name'));
    for (const svc of SERVICES) closeTo(series(r, { 'resource.service.name': svc }).values, expected.get(svc)!.map((xs) => xs.length));
  });

  it('filters and groups by two fields', async () => {
    const r = await run('{ status = error && kind = server } | count_over_time() by (resource.service.name, span.http.route)', fetcher);
    const expected = bucketed((s) => s.error, (s) => `${s.service} ${s.route}`, () => 1);
    expect(r.series).toHaveLength(expected.size);
    for (const [k, v] of expected) {
      const [svc, route] = k.split(' ');
      closeTo(series(r, { 'resource.service.name': svc, 'span.http.route': route }).values, v.map((xs) => xs.length));
    }
  });

  it('min, max, sum and avg of duration are in seconds; empty steps have no value', async () => {
    for (const [fn, reduce] of [
      ['min_over_time', (xs: number[]) => Math.min(...xs)],
      ['max_over_time', (xs: number[]) => Math.max(...xs)],
      ['sum_over_time', (xs: number[]) => xs.reduce((a, b) => a + b, 0)],
      ['avg_over_time', (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length],
    ] as const) {
      const r = await run(`{ kind = server } | ${fn}(duration) by (resource.service.name)`, fetcher);
      const expected = bucketed((s) => s.root, (s) => s.service, (s) => seconds(s.duration));
      for (const svc of SERVICES) closeTo(series(r, { 'resource.service.name': svc }).values, expected.get(svc)!.map((xs) => (xs.length === 0 ? NaN : reduce(xs))));
    }
  });

  it('measures int and float attributes, skipping spans without them', async () => {
    const sizes = await run('{} | sum_over_time(span.http.response_size)', fetcher);
    closeTo(sizes.series[0].values, bucketed((s) => s.size !== undefined, () => '', (s) => s.size!).get('')!.map((xs) => (xs.length ? xs.reduce((a, b) => a + b, 0) : NaN)));
    const load = await run('{} | max_over_time(span.load)', fetcher);
    closeTo(load.series[0].values, bucketed((s) => s.load !== undefined, () => '', (s) => s.load!).get('')!.map((xs) => (xs.length ? Math.max(...xs) : NaN)));
  });

  it('quantile_over_time() gives one series per quantile, within the stated error of the exact quantile', async () => {
    const r = await run('{} | quantile_over_time(duration, .5, .9, .99) by (resource.service.name)', fetcher);
    const expected = bucketed(all, (s) => s.service, (s) => Number(s.duration));
    expect(r.series).toHaveLength(9);
    for (const svc of SERVICES) {
      for (const p of [0.5, 0.9, 0.99]) {
        const s = series(r, { 'resource.service.name': svc, p: String(p) });
        expect(s.labels[1].value).toEqual({ type: 'float', value: p });
        expected.get(svc)!.forEach((xs, i) => {
          if (xs.length === 0) return expect(s.values[i]).toBe(0); // Tempo reports 0 for empty steps
          const sorted = [...xs].sort((a, b) => a - b);
          const exact = sorted[Math.max(1, Math.ceil(p * sorted.length)) - 1] / 1e9;
          expect(Math.abs(s.values[i] / exact - 1), `${svc} p${p} step ${i}`).toBeLessThanOrEqual(QUANTILE_RELATIVE_ERROR + 1e-9);
        });
      }
    }
  });

  it('histogram_over_time() labels log2 buckets in seconds and counts spans in (2^(k-1), 2^k] ns', async () => {
    const r = await run('{} | histogram_over_time(duration)', fetcher);
    const expected = bucketed(all, (s) => String(log2Bucket(Number(s.duration))), () => 1);
    expect(r.series).toHaveLength(expected.size);
    for (const [k, v] of expected) {
      const bucket = 2 ** Number(k);
      const s = r.series.find((x) => x.labels[0].key === '__bucket' && x.labels[0].value.type === 'float' && Math.abs(x.labels[0].value.value - bucket / 1e9) < 1e-15);
      expect(s, `bucket 2^${k}`).toBeDefined();
      expect(s!.labels).toHaveLength(1);
      closeTo(s!.values, v.map((xs) => xs.length));
      // Every span in the bucket is within its bounds.
      for (const span of DATA.spans.filter((x) => log2Bucket(Number(x.duration)) === Number(k))) {
        expect(Number(span.duration)).toBeLessThanOrEqual(bucket);
        expect(Number(span.duration)).toBeGreaterThan(bucket / 2);
      }
    }
  });

  it('leaves absent by() values out of the labels', async () => {
    const r = await run('{} | count_over_time() by (resource.service.name, span.http.route)', fetcher);
    for (const svc of SERVICES) {
      closeTo(series(r, { 'resource.service.name': svc }).values, bucketed((s) => !s.root && s.service === svc, () => '', () => 1).get('')!.map((xs) => xs.length));
      closeTo(series(r, { 'resource.service.name': svc, 'span.http.route': '/r1' }).values, bucketed((s) => s.route === '/r1' && s.service === svc, () => '', () => 1).get('')!.map((xs) => xs.length));
    }
  });

  it('groups by duration, a value carried beside the columns', async () => {
    const r = await run('{ kind = client } | count_over_time() by (duration)', fetcher);
    const expected = bucketed((s) => !s.root, (s) => String(s.duration), () => 1);
    expect(r.series).toHaveLength(expected.size);
    const [ns, v] = [...expected][0];
    const s = r.series.find((x) => x.labels[0].value.type === 'duration' && String(x.labels[0].value.value) === ns)!;
    closeTo(s.values, v.map((xs) => xs.length));
  });

  it('labels a group whose by() values are all absent with the first by() label and nil', async () => {
    const r = await run('{} | count_over_time() by (span.http.route, span.nothing)', fetcher);
    const nil = series(r, { 'span.http.route': 'nil' });
    closeTo(nil.values, bucketed((s) => !s.root, () => '', () => 1).get('')!.map((xs) => xs.length));
    expect(nil.labels[0].value).toEqual({ type: 'nil' });
  });

  it('runs structural and aggregate first stages through the evaluator', async () => {
    const r = await run('{ kind = server } > { kind = client } | count_over_time() by (resource.service.name)', fetcher);
    const expected = bucketed((s) => !s.root, (s) => s.service, () => 1);
    for (const svc of SERVICES) closeTo(series(r, { 'resource.service.name': svc }).values, expected.get(svc)!.map((xs) => xs.length));
    const agg = await run('{} | count() > 1 | count_over_time()', fetcher);
    closeTo(agg.series[0].values, bucketed(all, () => '', () => 1).get('')!.map((xs) => xs.length));
  });

  it('answers an instant query with one value over the whole range', async () => {
    const r = await run('{ status = error } | count_over_time() by (resource.service.name)', fetcher, { instant: true, start: BASE, end: BASE + 300n * S });
    for (const svc of SERVICES) {
      const n = DATA.spans.filter((s) => s.error && s.service === svc && s.start > BASE && s.start <= BASE + 300n * S).length;
      expect([...series(r, { 'resource.service.name': svc }).values]).toEqual([n]);
    }
  });

  it('counts a span starting exactly on a step boundary in the step it ends', async () => {
    const r = await run('{} | count_over_time()', fetcher, { start: BASE + 120n * S, end: BASE + 180n * S, step: 60n * S });
    // Grid (BASE+60s, BASE+180s]: two steps; minute 1's spans are in the first, minute 2's in the second.
    const m1 = DATA.spans.filter((s) => s.start > BASE + 60n * S && s.start <= BASE + 120n * S).length;
    const m2 = DATA.spans.filter((s) => s.start > BASE + 120n * S && s.start <= BASE + 180n * S).length;
    expect([...r.series[0].values]).toEqual([m1, m2]);
  });
});

describe('fetch paths', () => {
  it('takes the column path for a conjunction of conditions and the evaluator otherwise', async () => {
    const inner = new MemoryColumnFetcher(DATA.traces);
    const used: string[] = [];
    const spy: MetricsFetcher = {
      fetch: (req, signal) => (used.push('spansets'), inner.fetch(req, signal)),
      fetchColumns: (req, signal) => (used.push('columns'), inner.fetchColumns(req, signal)),
    };
    await run('{ resource.service.name = "checkout" && status = error } | rate() by (span.http.route)', spy);
    await run('{ .a = 1 || .b = 2 } | rate()', spy);
    await run('{ status = error } | compare({ duration > 100ms })', spy);
    expect(used).toEqual(['columns', 'spansets', 'spansets']);
  });

  it('falls back to spansets when storage declines the column path', async () => {
    const inner = new MemoryColumnFetcher(DATA.traces);
    const { TqlUnsupportedError } = await import('../errors.ts');
    const declining: MetricsFetcher = {
      fetch: (req, signal) => inner.fetch(req, signal),
      fetchColumns: async function* () {
        yield* [];
        throw TqlUnsupportedError('not here');
      },
    };
    const r = await run('{} | count_over_time()', declining);
    expect(r.series[0].values.reduce((a, b) => a + b, 0)).toBe(DATA.spans.length);
  });

  it('the grid covers INTERVALS steps', () => {
    expect(RANGE.step).toBe(60n * S);
    expect(INTERVALS).toBe(11);
  });
});
