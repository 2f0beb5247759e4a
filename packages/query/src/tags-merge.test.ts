// Summaries merged into one summary merge on exactly as the originals would: what a querier
// returns for a group of blocks loses nothing the frontend's merge would have counted.
import type { TagsSummary } from '@spanbase/block';
import { describe, expect, it } from 'vitest';
import { mergeIntoSummary, mergeSummaries, topIntrinsicValues, topKeys, topValues } from './tags-merge.ts';

function summary(scale: number, extra: string): TagsSummary {
  return {
    version: 1,
    scopes: {
      resource: [{ name: 'service.name', count: 3 * scale, types: { string: 3 * scale }, values: [{ type: 'string', value: 'a', count: 2 * scale }, { type: 'string', value: extra, count: scale }], approximate: false }],
      span: [{ name: extra, count: scale, types: { int: scale }, values: [{ type: 'int', value: '7', count: scale }], approximate: scale > 1 }],
      event: [], link: [], instrumentation: [],
    },
    intrinsics: { name: [{ type: 'string', value: extra, count: scale }] },
    droppedKeys: { resource: 0, span: scale, event: 0, link: 0, instrumentation: 0 },
  };
}

describe('mergeIntoSummary', () => {
  it('adds counts and keeps every value, so merging on gives what merging the originals gives', () => {
    const parts = [summary(1, 'x'), summary(2, 'y'), summary(5, 'x')];
    const one = mergeIntoSummary(parts);
    expect(one.scopes.resource[0]).toEqual({ name: 'service.name', count: 24, types: { string: 24 }, values: [{ type: 'string', value: 'a', count: 16 }, { type: 'string', value: 'x', count: 6 }, { type: 'string', value: 'y', count: 2 }], approximate: false });
    expect(one.scopes.span.map((k) => [k.name, k.count, k.approximate])).toEqual([['x', 6, true], ['y', 2, true]]);
    expect(one.droppedKeys.span).toBe(8);
    const direct = mergeSummaries(parts);
    const viaOne = mergeSummaries([mergeIntoSummary(parts.slice(0, 2)), parts[2]]);
    for (const scope of ['resource', 'span'] as const) expect(topKeys(viaOne, scope, 0)).toEqual(topKeys(direct, scope, 0));
    expect(topValues(viaOne, ['resource'], 'service.name', 0)).toEqual(topValues(direct, ['resource'], 'service.name', 0));
    expect(topIntrinsicValues(viaOne, 'name', 0)).toEqual(topIntrinsicValues(direct, 'name', 0));
  });
});
