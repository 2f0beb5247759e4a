import { describe, expect, it } from 'vitest';
import type { TenantScan } from './block-scan.ts';
import type { CompactionMeta } from './compaction-meta.ts';
import type { PlannerOptions } from './planner.ts';
import { DECODED_SPAN_BYTES, HEAP_HEADROOM, OUTPUT_OVERHEAD_BYTES, planTenant, selectMerges, uuidFromKey, windowOf } from './planner.ts';
import { parseRetentionRule, retentionPolicy } from '@spanbase/overrides';
import { fakeId, fakeMeta } from './testing/fake-meta.ts';

const H = 3_600_000;
const D = 24 * H;
const NOW = Date.UTC(2026, 10, 20, 12, 0, 0);
const OPTS: PlannerOptions = { windowMs: H, minInputBlocks: 2, maxInputBlocks: 4, maxBlockBytes: 1e9, maxMemoryBytes: 256 * 1024 * 1024, compactedBlockRetentionMs: H, partialBlockGraceMs: H, windowSettleMs: H };
const NO_RULES = retentionPolicy(14 * D, 0, []);

function scan(live: CompactionMeta[], more: Partial<TenantScan> = {}): TenantScan {
  return { tenant: 't', live, compacted: [], halfMarked: [], partial: [], broken: [], quarantined: new Map(), ...more };
}

const ids = (ms: readonly CompactionMeta[]) => ms.map((m) => m.blockID).sort();

describe('selectMerges', () => {
  it('merges blocks of one level and window, smallest first, at most max-input-blocks', () => {
    const end = NOW - 10 * 60_000;
    const blocks = [5, 1, 4, 2, 3, 6].map((s) => fakeMeta({ name: `b${s}`, endMs: end, size: s * 100 }));
    const jobs = selectMerges('t', blocks, OPTS, NOW);
    expect(jobs.map((j) => ids(j.inputs))).toEqual([ids(blocks.filter((b) => b.size <= 400)), ids(blocks.filter((b) => b.size > 400))]);
    expect(jobs[0].level).toBe(1);
    expect(jobs[0].kind).toBe('merge');
    // Too few blocks left for another job: they wait.
    expect(selectMerges('t', blocks, { ...OPTS, minInputBlocks: 3 }, NOW).map((j) => j.inputs.length)).toEqual([4]);
    expect(selectMerges('t', blocks, { ...OPTS, maxInputBlocks: 3 }, NOW).map((j) => j.inputs.length)).toEqual([3, 3]);
  });

  it('keeps levels and windows apart in the active window until the window settles, only windows apart before it', () => {
    const recent = NOW - 2 * H;
    const old = NOW - 3 * D;
    // Written minutes ago (a late flush, or a merge output): the recent windows have not settled.
    const fresh = { createdAt: new Date(NOW - 60_000).toISOString() };
    const blocks = [
      fakeMeta({ name: 'r0a', endMs: recent, level: 0, extra: fresh }),
      fakeMeta({ name: 'r1a', endMs: recent, level: 1, extra: fresh }),
      fakeMeta({ name: 'r0b', endMs: recent - H, level: 0, extra: fresh }),
      fakeMeta({ name: 'o0', endMs: old, level: 0 }),
      fakeMeta({ name: 'o3', endMs: old + 60_000, level: 3 }),
    ];
    const jobs = selectMerges('t', blocks, OPTS, NOW);
    expect(jobs.map((j) => ids(j.inputs))).toEqual([ids([blocks[3], blocks[4]])]);
    expect(jobs[0].level).toBe(4);
    expect(jobs[0].window).toBe(windowOf(blocks[3], H));
    // Once nothing has been written into a window for the settle period, its levels merge: copies
    // of a span in blocks of different levels meet within minutes, not after a day.
    const later = NOW + 60_000 + OPTS.windowSettleMs;
    const settled = selectMerges('t', blocks, OPTS, later);
    expect(settled.map((j) => ids(j.inputs))).toEqual([ids([blocks[3], blocks[4]]), ids([blocks[0], blocks[1]])]);
    expect(settled[1].level).toBe(2);
    // One block written just now unsettles its window again.
    const arrived = fakeMeta({ name: 'r0c', endMs: recent, level: 0, extra: { createdAt: new Date(later - 1000).toISOString() } });
    expect(selectMerges('t', [...blocks, arrived], OPTS, later).map((j) => ids(j.inputs))).toEqual([ids([blocks[0], arrived]), ids([blocks[3], blocks[4]])]);
  });

  it('bounds a job by bytes and by the memory of one row group per input', () => {
    const end = NOW - H;
    const blocks = [1, 2, 3, 4].map((s) => fakeMeta({ name: `s${s}`, endMs: end, size: s * 100 }));
    expect(selectMerges('t', blocks, { ...OPTS, maxBlockBytes: 350 }, NOW).map((j) => j.inputs.length)).toEqual([2]);
    const big = [1, 2, 3].map((s) => fakeMeta({ name: `m${s}`, endMs: end, size: s, spans: 8192 * 4, rowGroups: 4 }));
    const oneRowGroup = 8192 * DECODED_SPAN_BYTES;
    expect(selectMerges('t', big, { ...OPTS, maxMemoryBytes: (OUTPUT_OVERHEAD_BYTES + 2 * oneRowGroup) / HEAP_HEADROOM }, NOW).map((j) => j.inputs.length)).toEqual([2]);
    expect(selectMerges('t', big, { ...OPTS, maxMemoryBytes: (OUTPUT_OVERHEAD_BYTES + oneRowGroup) / HEAP_HEADROOM }, NOW)).toEqual([]);
  });

  it('derives the output id from the inputs, so a rerun writes the same block', () => {
    const end = NOW - H;
    const blocks = [fakeMeta({ name: 'x', endMs: end }), fakeMeta({ name: 'y', endMs: end })];
    const a = selectMerges('t', blocks, OPTS, NOW)[0];
    const b = selectMerges('t', [...blocks].reverse(), OPTS, NOW)[0];
    expect(a.outputId).toBe(b.outputId);
    expect(a.outputId).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-8[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(uuidFromKey('a')).not.toBe(uuidFromKey('b'));
  });
});

describe('planTenant', () => {
  it('finishes interrupted publishes and keeps their blocks out of new jobs', () => {
    const end = NOW - H;
    const a = fakeMeta({ name: 'a', endMs: end });
    const b = fakeMeta({ name: 'b', endMs: end });
    const out = fakeMeta({ name: 'out', endMs: end, level: 1, extra: { compactedFrom: [a.blockID, b.blockID] } });
    const c = fakeMeta({ name: 'c', endMs: end, level: 1 });
    const half = fakeMeta({ name: 'half', endMs: end });
    const plan = planTenant(scan([a, b, out, c], { halfMarked: [half] }), NO_RULES, OPTS, NOW);
    expect(ids(plan.markReplaced)).toEqual(ids([a, b]));
    expect(plan.finishMarking).toEqual([half]);
    expect(plan.windows.flatMap((w) => w.jobs)).toEqual([]);
  });

  it('deletes compacted blocks after their retention and partial blocks after the grace period', () => {
    const m = (n: string) => fakeMeta({ name: n, endMs: NOW - H });
    const plan = planTenant(
      scan([], {
        compacted: [{ meta: m('old'), compactedAtMs: NOW - H - 1 }, { meta: m('new'), compactedAtMs: NOW - H + 1 }],
        partial: [{ blockId: fakeId('p1'), keys: ['t/x/data.parquet'], newestMs: NOW - 2 * H }, { blockId: fakeId('p2'), keys: [], newestMs: NOW - 60_000 }],
      }),
      NO_RULES, OPTS, NOW,
    );
    expect(plan.deleteCompacted.map((c) => c.meta.blockID)).toEqual([fakeId('old')]);
    expect(plan.cleanPartial.map((p) => p.blockId)).toEqual([fakeId('p1')]);
  });

  it('expires blocks past the block retention', () => {
    const old = fakeMeta({ name: 'old', endMs: NOW - 14 * D - 1 });
    const young = fakeMeta({ name: 'young', endMs: NOW - 14 * D + 1 });
    const plan = planTenant(scan([old, young]), NO_RULES, OPTS, NOW);
    expect(plan.windows.flatMap((w) => w.expire)).toEqual([old]);
  });

  it('rewrites a block once per tier and policy, and expires it when no trace can outlive the tier', () => {
    const rules = [parseRetentionRule('{ status = error } 10d')];
    const policy = retentionPolicy(14 * D, 2 * D, rules);
    const young = fakeMeta({ name: 'young', endMs: NOW - D });
    const past2 = fakeMeta({ name: 'past2', endMs: NOW - 3 * D });
    const done2 = fakeMeta({ name: 'done2', endMs: NOW - 3 * D, extra: { retention: { policy: policy.id, ageMs: 2 * D } } });
    const otherPolicy = fakeMeta({ name: 'other', endMs: NOW - 3 * D, extra: { retention: { policy: 'something-else', ageMs: 2 * D } } });
    const past10 = fakeMeta({ name: 'past10', endMs: NOW - 11 * D, extra: { retention: { policy: policy.id, ageMs: 2 * D } } });
    const plan = planTenant(scan([young, past2, done2, otherPolicy, past10]), policy, OPTS, NOW);
    const rewrites = plan.windows.flatMap((w) => w.jobs).filter((j) => j.kind === 'rewrite');
    expect(ids(rewrites.flatMap((j) => j.inputs))).toEqual(ids([past2, otherPolicy]));
    for (const j of rewrites) expect(j.filter).toEqual({ policy: policy.id, ageMs: 2 * D });
    expect(plan.windows.flatMap((w) => w.expire)).toEqual([past10]);
    // A merge output carries the weakest mark of its inputs, or none.
    const merges = plan.windows.flatMap((w) => w.jobs).filter((j) => j.kind === 'merge');
    expect(merges).toEqual([]);
  });

  it('marks merge outputs with the weakest retention mark of the inputs', () => {
    const policy = retentionPolicy(14 * D, 2 * D, [parseRetentionRule('{ status = error } 10d')]);
    const end = NOW - 3 * D;
    const a = fakeMeta({ name: 'a', endMs: end, extra: { retention: { policy: policy.id, ageMs: 2 * D } } });
    const b = fakeMeta({ name: 'b', endMs: end + 1, extra: { retention: { policy: policy.id, ageMs: 5 * D } } });
    const [job] = planTenant(scan([a, b]), policy, OPTS, NOW).windows.flatMap((w) => w.jobs);
    expect(job.kind).toBe('merge');
    expect(job.mark).toEqual({ policy: policy.id, ageMs: 2 * D });
  });

  it('leaves quarantined blocks out of merges, rewrites and their context, and keeps them until retention', () => {
    const end = NOW - H;
    const healthy = [1, 2, 3].map((n) => fakeMeta({ name: `h${n}`, endMs: end, size: n }));
    const bad = fakeMeta({ name: 'bad', endMs: end, size: 0 });
    const quarantined = new Map([[bad.blockID, NOW - H]]);
    const plan = planTenant(scan([...healthy, bad], { quarantined }), NO_RULES, OPTS, NOW);
    expect(plan.windows.flatMap((w) => w.jobs).map((j) => ids(j.inputs))).toEqual([ids(healthy)]);
    // Past the block retention a quarantined block is expired like any other.
    const old = fakeMeta({ name: 'old-bad', endMs: NOW - 15 * D });
    expect(planTenant(scan([old], { quarantined: new Map([[old.blockID, 0]]) }), NO_RULES, OPTS, NOW).windows.flatMap((w) => w.expire)).toEqual([old]);
    // Rewrites do not read a quarantined block for context.
    const policy = retentionPolicy(14 * D, 2 * D, [parseRetentionRule('{ status = error } 10d')]);
    const due = fakeMeta({ name: 'due', endMs: NOW - 3 * D });
    const near = fakeMeta({ name: 'near', endMs: NOW - 3 * D + 1 });
    const [rewrite] = planTenant(scan([due, near], { quarantined: new Map([[near.blockID, 0]]) }), policy, OPTS, NOW).windows.flatMap((w) => w.jobs);
    expect(ids(rewrite.inputs)).toEqual(ids([due]));
    expect(rewrite.context).toEqual([]);
    // Compacted and quarantined: kept past the compacted-block retention, until the block retention.
    const carried = (n: string, endMs: number) => ({ meta: fakeMeta({ name: n, endMs }), compactedAtMs: NOW - 2 * H });
    const keep = carried('keep', NOW - D);
    const go = carried('go', NOW - 15 * D);
    const marked = new Map([[keep.meta.blockID, NOW - 2 * H], [go.meta.blockID, NOW - 2 * H]]);
    expect(planTenant(scan([], { compacted: [keep, go], quarantined: marked }), NO_RULES, OPTS, NOW).deleteCompacted.map((c) => c.meta.blockID)).toEqual([go.meta.blockID]);
  });

  it('quarantines blocks whose meta does not parse, and deletes them a retention later', () => {
    const broken = ['new', 'marked', 'gone'].map((n) => ({ blockId: fakeId(n), key: `t/${fakeId(n)}/meta.json`, error: new Error(n) }));
    const quarantined = new Map([[fakeId('marked'), NOW - H], [fakeId('gone'), NOW - 14 * D - 1]]);
    const plan = planTenant(scan([], { broken, quarantined }), NO_RULES, OPTS, NOW);
    expect(plan.quarantineBroken.map((b) => b.blockId)).toEqual([fakeId('new')]);
    expect(plan.deleteBroken).toEqual([fakeId('gone')]);
  });
});
