// A pipeline's state: one series per group whichever way the group is looked up, the series
// limit, and merges that copy into new series and never share arrays with the merged state.
import { describe, expect, it } from 'vitest';
import type { Static } from '../static.ts';
import { ExemplarPicker } from './exemplars.ts';
import { groupKey, LeafState } from './leaf-state.ts';
import type { Reducer } from './leaf-state.ts';

const state = (reducer: Reducer, maxSeries = 0) => new LeafState(reducer, 4, maxSeries, 1, new ExemplarPicker(0, 0, 1));
const str = (value: string): Static => ({ type: 'string', value });
const byKey = (s: LeafState, g: Static[]) => s.seriesFor(groupKey(g), g);

describe('LeafState', () => {
  it('finds a one-string group by its string and by its key alike, and keeps other types apart', () => {
    const s = state('count');
    const a = byKey(s, [str('a')]);
    expect(s.seriesForString('a')).toBe(a);
    const b = s.seriesForString('b');
    expect(byKey(s, [str('b')])).toBe(b);
    // The int 1 and the string "1" are different groups.
    const one = byKey(s, [{ type: 'int', value: 1n }]);
    expect(s.seriesForString('1')).not.toBe(one);
    expect(s.series.size).toBe(4);
  });

  it('makes no series past the limit by either lookup, says so, and still finds those it has', () => {
    const s = state('count', 2);
    const a = s.seriesForString('a');
    byKey(s, [str('b')]);
    expect(s.truncated).toBe(false);
    expect(s.seriesForString('c')).toBeUndefined();
    expect(s.truncated).toBe(true);
    expect(byKey(s, [str('d')])).toBeUndefined();
    expect(s.seriesForString('a')).toBe(a);
    expect(s.series.size).toBe(2);
  });

  it('merges into new series by copying, so merging the same state again adds it again', () => {
    for (const reducer of ['count', 'sum', 'min', 'avg', 'histogram'] as Reducer[]) {
      const src = state(reducer);
      const x = src.seriesForString('x')!;
      src.add(x, 1, 5, 1);
      src.add(x, 2, 7, 1);
      const into = state(reducer);
      for (let k = 1; k <= 3; k++) into.merge(src);
      const m = into.seriesForString('x')!;
      expect(m.a).not.toBe(x.a);
      const want = {
        count: [0, 3, 3, 0],
        sum: [NaN, 15, 21, NaN],
        min: [NaN, 5, 7, NaN],
        avg: [0, 15, 21, 0],
        histogram: [0, 0, 0, 0],
      }[reducer as string]!;
      expect([...m.a], reducer).toEqual(want);
      if (reducer === 'avg') expect([...m.b!]).toEqual([0, 3, 3, 0]);
      if (reducer === 'histogram') {
        expect([...m.hist!.get(5)!]).toEqual([0, 3, 0, 0]);
        expect(m.hist!.get(5)).not.toBe(x.hist!.get(5));
      }
      // The source is untouched.
      expect(src.series.get(x.key)!.a[1]).toBe(reducer === 'min' ? 5 : want[1] / 3);
    }
  });
});
