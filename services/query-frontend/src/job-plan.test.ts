// Jobs from a block list: only blocks in the query's range, newest first, small blocks grouped up
// to the byte target, and never so few jobs that queriers would sit idle.
import type { BlockMeta } from '@spanbase/block';
import { describe, expect, it } from 'vitest';
import { planJobs } from './job-plan.ts';

const S = 1_000_000_000n;
const meta = (i: number, size: number): BlockMeta => ({ blockID: `b${i}`, startUnixNano: String(BigInt(i * 10) * S), endUnixNano: String(BigInt(i * 10 + 9) * S), size } as BlockMeta);
const ids = (jobs: BlockMeta[][]) => jobs.map((j) => j.map((m) => m.blockID));

describe('planJobs', () => {
  it('groups small blocks up to the target, newest first, leaving out blocks outside the range', () => {
    const metas = Array.from({ length: 10 }, (_, i) => meta(i, 10));
    expect(ids(planJobs(metas, { start: 20n * S, end: 75n * S }, { targetBytes: 25, minJobs: 1 }))).toEqual([['b7', 'b6', 'b5'], ['b4', 'b3', 'b2']]);
  });

  it('splits into at least minJobs jobs, and puts a block over the target alone', () => {
    const metas = Array.from({ length: 8 }, (_, i) => meta(i, i === 3 ? 1000 : 1));
    expect(planJobs(metas, { start: 0n, end: 0n }, { targetBytes: 1e9, minJobs: 4 }).map((j) => j.length)).toEqual([2, 2, 2, 2]);
    expect(ids(planJobs(metas, { start: 0n, end: 0n }, { targetBytes: 100, minJobs: 1 }))).toEqual([['b7', 'b6', 'b5', 'b4', 'b3'], ['b2', 'b1', 'b0']]);
  });
});
