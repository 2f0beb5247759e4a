// The adjusted_count hint: each span counts as many spans as its tracestate's sampling threshold
// says it stands for, so counts over sampled data estimate the traffic before sampling.
import { describe, expect, it } from 'vitest';
import type { SpanRecord } from '@spanbase/model';
import { MemoryFetcher } from '../memory-fetcher.ts';
import { DATA, run } from './test-fixture.ts';

// Every third trace kept at a quarter (th:c, adjusted count 4), every third at a half (th:8, 2), the rest whole.
const STATES = ['ot=th:c', 'vendor=x,ot=th:8;rv:00000000000001', ''];
const traces: SpanRecord[][] = DATA.traces.map((t, i) => t.map((r) => ({ ...r, span: { ...r.span, traceState: STATES[i % 3] } })));
const fetcher = new MemoryFetcher(traces);
const sum = (values: Float64Array) => values.reduce((a, b) => a + b, 0);

describe('count_over_time() with(adjusted_count=true)', () => {
  it('weights each span by the adjusted count of its tracestate, and only when asked', async () => {
    let expected = 0;
    traces.forEach((t, i) => (expected += t.length * [4, 2, 1][i % 3]));
    const plain = await run('{} | count_over_time()', fetcher);
    const weighted = await run('{} | count_over_time() with(adjusted_count=true)', fetcher);
    expect(sum(plain.series[0].values)).toBe(traces.reduce((n, t) => n + t.length, 0));
    expect(sum(weighted.series[0].values)).toBe(expected);
    expect(sum((await run('{ span:traceState = "ot=th:c" } | count_over_time() with(adjusted_count=true)', fetcher)).series[0].values)).toBe(4 * traces.filter((_, i) => i % 3 === 0).reduce((n, t) => n + t.length, 0));
  });
});
