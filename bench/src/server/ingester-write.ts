// Block writes as the running ingester makes them: the real Ingester indexes the requests and
// cuts its head into a flush batch (span references into the accepted requests), and the
// production sink writes it on its own worker thread. Timing writeEncodedBlock on the bench's
// thread instead measured it beside the generated dataset (about 200 MB of span objects on the
// same heap), whose full collections came every other block and cost a quarter of its time;
// the block worker's heap holds only the block being written.
import { mkdtempSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import type { ObjectStoreConfig } from '@spanbase/backend';
import { parseBlockMeta } from '@spanbase/block';
import type { BlockMeta } from '@spanbase/block';
import { Ingester, WorkerBlockSink } from '@spanbase/ingester';
import type { BlockSink, FlushBatch } from '@spanbase/ingester';
import { scanExportRequest } from '@spanbase/otlp';
import { silentLogger } from '@spanbase/server';
import { latencyStats } from '../stats.ts';

/** What {@link measureIngesterWrites} found. */
export interface IngesterWriteResult {
  /** The last timed block's meta. */
  meta: BlockMeta;
  /** Spans per second of wall time, at the median write. */
  spansPerSecond: number;
  /** Spans per second of this process's CPU (every thread: the block worker, zstd, GC) over the timed writes. */
  spansPerCpuSecond: number;
  /** Wall time of each timed write, ms. */
  writeMs: number[];
}

/** The flush batch the ingester cuts from `requests` (OTLP protobuf bodies) for `tenant`, as one head block. */
export async function ingesterBatch(requests: readonly Uint8Array[], tenant: string, tmpDir: string): Promise<FlushBatch> {
  let batch: FlushBatch | undefined;
  const capture: BlockSink = {
    write: async (b) => {
      batch = b;
      return { blockId: undefined, meta: undefined };
    },
    close: async () => {},
  };
  const walDir = mkdtempSync(join(tmpDir, 'ingester-wal-'));
  const ing = await Ingester.start({
    walDir, walFsync: 'never', walFsyncIntervalMs: 1000, walSegmentBytes: 64 * 2 ** 20, maxLiveBytes: 2 ** 40,
    traceIdlePeriodMs: 0, maxBlockDurationMs: 0, maxBlockBytes: 2 ** 40, flushCheckPeriodMs: 3_600_000, sink: capture, logger: silentLogger(),
  });
  try {
    for (const body of requests) await ing.push(tenant, scanExportRequest(body));
    await ing.flushAll();
  } finally {
    await ing.stop();
    rmSync(walDir, { recursive: true, force: true });
  }
  if (!batch) throw new Error('the ingester cut no head block from the requests');
  return batch;
}

/**
 * Writes `batch` with the ingester's production sink (its block worker thread) `warmup` times
 * untimed, then `repeat` times timed, each a block of its own.
 */
export async function measureIngesterWrites(
  store: ObjectStoreConfig, block: { compactionLevel: number }, batch: FlushBatch, warmup: number, repeat: number, onWrite?: () => void,
): Promise<IngesterWriteResult> {
  const sink = new WorkerBlockSink({ store, block });
  const write = async (): Promise<BlockMeta> => {
    const r = await sink.write({ ...batch, blockId: undefined });
    onWrite?.();
    return parseBlockMeta(r.meta);
  };
  try {
    for (let i = 0; i < warmup; i++) await write();
    const writeMs: number[] = [];
    let meta: BlockMeta | undefined;
    const cpu0 = process.cpuUsage();
    for (let i = 0; i < repeat; i++) {
      const t0 = performance.now();
      meta = await write();
      writeMs.push(performance.now() - t0);
    }
    const cpu = process.cpuUsage(cpu0);
    const spans = meta!.spanCount;
    return {
      meta: meta!, writeMs,
      spansPerSecond: (spans * 1000) / latencyStats(writeMs).p50,
      spansPerCpuSecond: (spans * repeat) / Math.max(0.001, (cpu.user + cpu.system) / 1e6),
    };
  } finally {
    await sink.close();
  }
}
