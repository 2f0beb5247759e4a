// topk/bottomk, filters and arithmetic over generated data with known per-service counts.
import { describe, expect, it } from 'vitest';
import { MemoryColumnFetcher } from './memory-columns.ts';
import { DATA, bucketed, labelText, run, series } from './test-fixture.ts';

const fetcher = new MemoryColumnFetcher(DATA.traces);
const counts = (where: Parameters<typeof bucketed>[0]) => bucketed(where, (s) => s.service, () => 1);
const perService = [...counts(() => true)].map(([svc, v]) => [svc, v.map((xs) => xs.length)] as const);
const valuesOf = (svc: string) => perService.find(([s]) => s === svc)![1];

describe('topk and bottomk', () => {
  it('topk(1) keeps, at each step, only the highest series', async () => {
    const r = await run('{} | count_over_time() by (resource.service.name) | topk(1)', fetcher);
    // payment has 3x checkout's traffic and cart 2x: payment wins every non-empty step. In the
    // empty first step all are 0, and the tie goes to the first by label (cart).
    expect(r.series.map((s) => labelText(s.labels[0].value)).sort()).toEqual(['cart', 'payment']);
    const pay = series(r, { 'resource.service.name': 'payment' });
    valuesOf('payment').forEach((v, i) => (i === 0 ? expect(pay.values[i]).toBeNaN() : expect(pay.values[i]).toBe(v)));
    const cart = series(r, { 'resource.service.name': 'cart' });
    expect([...cart.values].filter((v) => !Number.isNaN(v))).toEqual([0]);
  });

  it('bottomk(2) keeps the two lowest at each step', async () => {
    const r = await run('{} | count_over_time() by (resource.service.name) | bottomk(2)', fetcher);
    const checkout = series(r, { 'resource.service.name': 'checkout' });
    expect([...checkout.values]).toEqual(valuesOf('checkout'));
    const cart = series(r, { 'resource.service.name': 'cart' });
    expect([...cart.values]).toEqual(valuesOf('cart'));
    expect(r.series).toHaveLength(2);
  });

  it('passes the input through when it has k series or fewer', async () => {
    const r = await run('{} | count_over_time() by (resource.service.name) | topk(3)', fetcher);
    expect(r.series).toHaveLength(3);
    expect([...series(r, { 'resource.service.name': 'cart' }).values]).toEqual(valuesOf('cart'));
  });
});

describe('filters', () => {
  it('drops values failing the comparison and series left empty', async () => {
    const r = await run('{} | count_over_time() by (resource.service.name) > 20', fetcher);
    for (const [svc, v] of perService) {
      const kept = v.map((x) => (x > 20 ? x : NaN));
      if (kept.every(Number.isNaN)) expect(r.series.some((s) => labelText(s.labels[0].value) === svc)).toBe(false);
      else expect([...series(r, { 'resource.service.name': svc }).values]).toEqual(kept);
    }
  });

  it('reads a duration in a filter as seconds', async () => {
    const r = await run('{} | max_over_time(duration) by (resource.service.name) >= 900ms', fetcher);
    for (const s of r.series) for (const v of s.values) if (!Number.isNaN(v)) expect(v).toBeGreaterThanOrEqual(0.9);
    expect(r.series.length).toBeGreaterThan(0);
  });

  it('chains with topk, left to right', async () => {
    const r = await run('{} | count_over_time() by (resource.service.name) | topk(1) > 20', fetcher);
    expect(r.series.map((s) => labelText(s.labels[0].value))).toEqual(['payment']);
  });
});

describe('arithmetic', () => {
  it('divides two ungrouped queries step by step, naming the result', async () => {
    const r = await run('({ status = error } | count_over_time()) / ({} | count_over_time())', fetcher);
    const errors = bucketed((s) => s.error, () => '', () => 1).get('')!.map((xs) => xs.length);
    const all = bucketed(() => true, () => '', () => 1).get('')!.map((xs) => xs.length);
    expect(r.series).toHaveLength(1);
    expect(r.series[0].labels).toEqual([{ key: '__name__', value: { type: 'string', value: '(count_over_time / count_over_time)' } }]);
    r.series[0].values.forEach((v, i) => (all[i] === 0 ? expect(v).toBeNaN() : expect(v).toBeCloseTo(errors[i] / all[i], 12)));
  });

  it('matches grouped series by labels, and applies an ungrouped one to each', async () => {
    const matched = await run('({ status = error } | count_over_time() by (resource.service.name)) / ({} | count_over_time() by (resource.service.name))', fetcher);
    const errs = counts((s) => s.error);
    for (const [svc, v] of perService) {
      const s = series(matched, { 'resource.service.name': svc });
      s.values.forEach((x, i) => (v[i] === 0 ? expect(x).toBeNaN() : expect(x).toBeCloseTo(errs.get(svc)![i].length / v[i], 12)));
    }
    const share = await run('({} | count_over_time() by (resource.service.name)) / ({} | count_over_time())', fetcher);
    const total = bucketed(() => true, () => '', () => 1).get('')!.map((xs) => xs.length);
    expect(share.series).toHaveLength(3);
    for (const [svc, v] of perService) {
      series(share, { 'resource.service.name': svc }).values.forEach((x, i) => (total[i] === 0 ? expect(x).toBeNaN() : expect(x).toBeCloseTo(v[i] / total[i], 12)));
    }
  });

  it('combines with numbers on either side, constants folded', async () => {
    const r = await run('100 * ({ status = error } | count_over_time()) / 2', fetcher);
    const errors = bucketed((s) => s.error, () => '', () => 1).get('')!.map((xs) => xs.length);
    expect([...r.series[0].values]).toEqual(errors.map((e) => (100 * e) / 2));
    const minus = await run('({} | count_over_time()) - (1 + 2)', fetcher);
    const all = bucketed(() => true, () => '', () => 1).get('')!.map((xs) => xs.length);
    expect([...minus.series[0].values]).toEqual(all.map((x) => x - 3));
  });

  it('then applies a filter to the result', async () => {
    const r = await run('100 * ({ status = error } | count_over_time()) / ({} | count_over_time()) > 19', fetcher);
    for (const v of r.series[0].values) if (!Number.isNaN(v)) expect(v).toBeGreaterThan(19);
  });
});
