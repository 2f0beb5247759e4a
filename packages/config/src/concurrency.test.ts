import { describe, expect, it } from 'vitest';
import { compactionConcurrency, queryWorkers } from './concurrency.ts';

describe('compactionConcurrency', () => {
  it('takes the flag when it is set', () => {
    expect(compactionConcurrency({ 'compaction.concurrency': 3 }, 2)).toBe(3);
  });

  it('gives one job per four cores, at least one, when the flag is 0', () => {
    expect([1, 2, 3, 4, 7, 8, 16, 64].map((cores) => compactionConcurrency({ 'compaction.concurrency': 0 }, cores))).toEqual([1, 1, 1, 1, 1, 2, 4, 16]);
  });
});

describe('queryWorkers', () => {
  it('takes the flag when it is set, else one per core', () => {
    expect(queryWorkers({ 'query.workers': 3 }, 2)).toBe(3);
    expect([1, 2, 16].map((cores) => queryWorkers({ 'query.workers': 0 }, cores))).toEqual([1, 2, 16]);
  });
});
