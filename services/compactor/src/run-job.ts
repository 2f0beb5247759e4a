// Runs one planned job under its window lease: stream the inputs through the merge into a new
// block, publish it (publish.ts has the order and why), retire the inputs. An input that is
// damaged gives what it can (damaged-inputs.ts): its readable row groups go into the output, then
// it is quarantined and retired; one that gives nothing is quarantined and stays live, so the
// merge of its neighbours goes on without it.
import type { ObjectStore } from '@spanbase/backend';
import { BlockObjects, blockKey, createBlockWriter, markBlockCompacted, writeQuarantine } from '@spanbase/block';
import type { BlockDamage, BlockMeta, QuarantineRecord, TimeBounds } from '@spanbase/block';
import type { CompactionMeta } from './compaction-meta.ts';
import { DamagedInputs } from './damaged-inputs.ts';
import { CompactorInputGone } from './errors.ts';
import type { Lease } from './leases.ts';
import type { MergeStats } from './merge.ts';
import { isStored, mergeTraces } from './merge.ts';
import type { Job } from './planner.ts';
import { assertLive, committingStore } from './publish.ts';
import { retentionFilter } from './retention-filter.ts';
import type { RetentionPolicy } from '@spanbase/overrides';

/** Points in a job where tests stop the process (see testing/compact-child.ts). */
export type CompactionStep = 'output-partial' | 'output-committed' | 'input-marked' | 'deleting';

/** Called at each step; the production compactor passes none. */
export type StepHook = (step: CompactionStep, blockId: string) => Promise<void>;

/** Progress of a running job. */
export interface JobProgress {
  /** The job. */
  job: Job;
  /** Trace parts read so far. */
  partsDone: number;
  /** Trace parts in the inputs (their traces). */
  partsTotal: number;
}

/** What a job needs besides the plan. */
export interface JobContext {
  /** The store. */
  store: ObjectStore;
  /** The window lease, held by the caller. */
  lease: Lease;
  /** The tenant's policy (rewrites filter by it). */
  policy: RetentionPolicy;
  /** Clock, unix ms. */
  now: () => number;
  /** Test hook. */
  step?: StepHook;
  /** Progress reports, every few thousand traces. */
  onProgress?: (p: JobProgress) => void;
  /** Stops the job. */
  signal?: AbortSignal;
}

/** What a job did. */
export interface JobResult {
  /** The output's meta, unless every trace was dropped. */
  output: CompactionMeta | undefined;
  /** Merge counts. */
  stats: MergeStats;
  /** Bytes (data.parquet) of the inputs. */
  bytesIn: number;
  /** Inputs marked compacted (all of them unless one could not be read at all). */
  retired: number;
  /** Inputs quarantined (markers written): those that lost spans, retired or not. */
  quarantined: QuarantineRecord[];
  /** Damage met in inputs and context, lossless fallbacks (a rebuilt index) included, for the log. */
  damage: BlockDamage[];
}

/**
 * Bounds that pin an output's recorded end to its newest input's: the output holds their spans
 * (a retention rewrite, some of them), so it ends, and ages, exactly as the newest did.
 */
export function inputTimeBounds(inputs: readonly BlockMeta[]): TimeBounds {
  let end = BigInt(inputs[0].endUnixNano);
  for (const m of inputs) if (BigInt(m.endUnixNano) > end) end = BigInt(m.endUnixNano);
  return { minUnixNano: end, maxUnixNano: end };
}

/**
 * zstd level of the blocks compaction writes. The writer's default for compacted blocks (15) makes
 * them about 10% smaller but took a third of a merge's CPU, and compaction has to keep up with
 * ingest; on 64 KiB pages levels 1 to 9 compress about alike, and 1 is the fastest.
 */
export const COMPACTION_ZSTD_LEVEL = 1;

/** Runs a job; on any error nothing of it is visible and its inputs stay live. */
export async function runJob(job: Job, ctx: JobContext): Promise<JobResult> {
  const { store, lease } = ctx;
  const tenant = job.inputs[0].tenantID;
  // The plan may be older than the lease: another compactor may have done this job meanwhile.
  await assertLive(store, job.inputs, ctx.signal);
  if (await store.head(blockKey(tenant, job.outputId, BlockObjects.meta))) throw CompactorInputGone(`output ${tenant}/${job.outputId} is already published`);
  await lease.renew([job.outputId]);
  const abort = new AbortController();
  const onOuterAbort = () => abort.abort(ctx.signal?.reason);
  ctx.signal?.addEventListener('abort', onOuterAbort, { once: true });
  const stopKeepAlive = lease.keepAlive((err) => abort.abort(err));
  const signal = abort.signal;
  const beforeCommit = async () => {
    await lease.renew();
    await assertLive(store, job.inputs, signal);
  };
  const extra: Partial<CompactionMeta> = { compactedFrom: job.inputs.map((m) => m.blockID) };
  if (job.mark) extra.retention = job.mark;
  const writer = createBlockWriter(committingStore(store, tenant, job.outputId, { extra, beforeCommit, afterFirstObject: () => ctx.step?.('output-partial', job.outputId) ?? Promise.resolve() }), {
    tenant,
    blockId: job.outputId,
    compactionLevel: job.level,
    compressionLevel: COMPACTION_ZSTD_LEVEL,
    dedicatedColumns: job.inputs[0].dedicatedColumns,
    bloomFalsePositive: Math.min(...job.inputs.map((m) => m.bloomFalsePositive)),
    // An upper bound (traces in several inputs merge): the filter is sized up front, not from 12
    // bytes of hashes per trace held to the end, which was the largest item of a big merge's memory.
    expectedTraces: job.inputs.reduce((n, m) => n + m.totalObjects, 0),
    // The inputs' ends were bounded by when their spans were received; the output keeps its
    // newest input's instead of going back to the times clients sent (which retention would then trust).
    timeBounds: inputTimeBounds(job.inputs),
    signal,
    now: () => new Date(ctx.now()),
  });
  const partsTotal = job.inputs.reduce((n, m) => n + m.totalObjects, 0);
  let partsDone = 0;
  const inputs = new DamagedInputs(store, signal);
  const context = new DamagedInputs(store, signal);
  try {
    ctx.onProgress?.({ job, partsDone, partsTotal });
    const stats = await mergeTraces(
      job.inputs.map((m) => inputs.traces(m)),
      (trace) => (isStored(trace) ? writer.addStoredTrace(trace) : writer.addTrace(trace)),
      {
        filter: job.filter ? retentionFilter(ctx.policy, job.filter.ageMs) : undefined,
        // Context only informs the filter: a damaged context block gives what it can, silently
        // (it is quarantined when it is an input itself).
        context: (job.context ?? []).map((m) => context.traces(m)),
        signal,
        onPart: () => {
          if (++partsDone % 5000 === 0) ctx.onProgress?.({ job, partsDone, partsTotal });
        },
      },
    );
    // An input that gave nothing is not replaced by the output: it stays live, quarantined.
    const retire = job.inputs.filter((m) => inputs.carried(m));
    extra.compactedFrom = retire.map((m) => m.blockID);
    let output: CompactionMeta | undefined;
    if (stats.tracesOut > 0) {
      output = { ...(await writer.finish()), ...extra };
      await ctx.step?.('output-committed', job.outputId);
    } else {
      // Nothing survived the filter: no output, the inputs are simply retired.
      await writer.abort(new Error('no trace kept'));
      await beforeCommit();
    }
    ctx.onProgress?.({ job, partsDone, partsTotal });
    // Markers after the output is visible, so a marker never names an output that is not there,
    // and before the inputs are retired, so a retired damaged block always has its record.
    const quarantined = inputs.records(new Date(ctx.now()), output?.blockID);
    for (const q of quarantined) await writeQuarantine(store, q, { signal });
    let first = true;
    for (const m of retire) {
      await markBlockCompacted(store, m, { at: new Date(ctx.now()) });
      if (first) {
        first = false;
        await ctx.step?.('input-marked', m.blockID);
      }
    }
    return { output, stats, bytesIn: job.inputs.reduce((n, m) => n + m.size, 0), retired: retire.length, quarantined, damage: [...inputs.damage(), ...context.damage()] };
  } catch (err) {
    await writer.abort(err).catch(() => {});
    throw signal.aborted && signal.reason instanceof Error ? signal.reason : err;
  } finally {
    stopKeepAlive();
    ctx.signal?.removeEventListener('abort', onOuterAbort);
  }
}
