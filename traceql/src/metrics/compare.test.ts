// compare(): baseline and selection distributions per attribute, totals and the topN cut.
import { describe, expect, it } from 'vitest';
import type { GeneratedSpan } from './generate.ts';
import { MemoryColumnFetcher } from './memory-columns.ts';
import { BASE, DATA, S, bucketed, labelText, run, series } from './test-fixture.ts';

const fetcher = new MemoryColumnFetcher(DATA.traces);
const lengths = (m: Map<string, unknown[][]>, k: string) => (m.get(k) ?? []).map((xs) => xs.length);

describe('compare()', () => {
  it('splits every attribute value between baseline and selection, with totals', async () => {
    const r = await run('{} | compare({ status = error })', fetcher);
    expect(r.spans).toBe(DATA.spans.length);
    const sel = bucketed((s) => s.error, (s) => s.service, () => 1);
    const base = bucketed((s) => !s.error, (s) => s.service, () => 1);
    for (const svc of ['checkout', 'cart', 'payment']) {
      expect([...series(r, { __meta_type: 'selection', 'resource.service.name': svc }).values]).toEqual(lengths(sel, svc));
      expect([...series(r, { __meta_type: 'baseline', 'resource.service.name': svc }).values]).toEqual(lengths(base, svc));
    }
    const errors = bucketed((s) => s.error, () => '', () => 1);
    expect([...series(r, { __meta_type: 'selection', status: 'error' }).values]).toEqual(lengths(errors, ''));
    expect([...series(r, { __meta_type: 'selection_total', 'resource.service.name': 'nil' }).values]).toEqual(lengths(errors, ''));
    const okRoutes = bucketed((s) => !s.error && s.route === '/r1', () => '', () => 1);
    expect([...series(r, { __meta_type: 'baseline', 'span.http.route': '/r1' }).values]).toEqual(lengths(okRoutes, ''));
    // Durations are not attributes to compare.
    expect(r.series.some((s) => s.labels.some((l) => l.key === 'duration'))).toBe(false);
    expect(r.series.some((s) => s.labels[0].key === '__meta_error')).toBe(false);
  });

  it('keeps the topN values per attribute and flags attributes with more', async () => {
    const r = await run('{} | compare({ status = error }, 2)', fetcher);
    const names = r.series.filter((s) => labelText(s.labels[0].value) === 'baseline' && s.labels[1].key === 'name').map((s) => labelText(s.labels[1].value));
    expect(names).toHaveLength(2);
    expect(names).toContain('db'); // every trace has one: the most frequent
    const error = series(r, { __meta_error: '__too_many_values__', name: 'nil' });
    expect(error.values).toHaveLength(0);
    // resource.service.name has 3 values: over the limit too.
    expect(r.series.filter((s) => s.labels[0].key === '__meta_type' && labelText(s.labels[0].value) === 'selection' && s.labels[1].key === 'resource.service.name')).toHaveLength(2);
  });

  it('limits the selection to a time window when given one', async () => {
    const from = BASE + 120n * S;
    const to = BASE + 240n * S;
    const r = await run(`{} | compare({ status = error }, 10, ${from}, ${to})`, fetcher);
    const inWindow = (s: GeneratedSpan) => s.error && s.start > from && s.start <= to;
    const sel = bucketed(inWindow, () => '', () => 1);
    expect([...series(r, { __meta_type: 'selection_total', status: 'nil' }).values]).toEqual(lengths(sel, ''));
    const base = bucketed((s) => s.error && !inWindow(s), () => '', () => 1);
    expect([...series(r, { __meta_type: 'baseline', status: 'error' }).values]).toEqual(lengths(base, ''));
  });
});
