// The binary serving a prepared dataset: its block store is the dataset's (a local directory, or
// a copy on S3 with --backend=s3), nothing is ingested, and the compactor is told to leave the
// blocks alone, so every query reads exactly the blocks DuckDB reads.
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { createObjectStore } from '@spanbase/backend';
import type { HourDataset } from '../dataset/hour-dataset.ts';
import { copyBlocks } from '../dataset/hour-dataset.ts';
import type { ScenarioContext, Section } from '../scenario.ts';
import type { BackendTarget } from './backend.ts';
import { storageFlags, storeConfig } from './backend.ts';
import { profileSections } from './cpu-profile.ts';
import { serverProblems } from './server-log.ts';
import type { SpanbaseProcess } from './spanbase-process.ts';
import { spawnSpanbase, waitUntilIdle } from './spanbase-process.ts';

/**
 * Flags that keep the compactor off a prepared dataset: no merge fits in one byte, and blocks of
 * a fixed past date are not expired. Long query timeout: a slow query is a number to report, not
 * a failure.
 */
export const DATASET_SERVER_FLAGS = ['--compaction.max-block-bytes=1', '--compaction.block-retention=87600h', '--compaction.cycle=24h', '--query.timeout=30m'];

/** A running server over a dataset. */
export interface DatasetServer {
  /** The child. */
  server: SpanbaseProcess;
  /** Where its blocks are. */
  label: string;
  /** Stops it; returns CPU profile sections (with --cpu-prof) and notes on what it logged. */
  stop(what: string): Promise<{ sections: Section[]; notes: string[] }>;
}

/** Starts the binary over `d` (copied to S3 first when --backend=s3). */
export async function startDatasetServer(ctx: ScenarioContext, d: Pick<HourDataset, 'dir' | 'tenant' | 'metas'>): Promise<DatasetServer> {
  const wanted = await ctx.backend();
  let target: BackendTarget = { kind: 'local', dir: d.dir };
  if (wanted.kind === 's3') {
    const step = ctx.progress.step('copy the blocks to S3', 1);
    await copyBlocks(d, createObjectStore(storeConfig(wanted)));
    step.done();
    target = wanted;
  }
  const profileDir = ctx.cpuProfile ? join(ctx.tmpDir, 'cpu-profile') : undefined;
  if (profileDir) mkdirSync(profileDir, { recursive: true });
  const server = await spawnSpanbase({ dataDir: join(ctx.tmpDir, 'data'), flags: [...storageFlags(target), ...DATASET_SERVER_FLAGS], cpuProfileDir: profileDir });
  // Queries are timed against a settled server, not one still finishing its start.
  await waitUntilIdle(server, ctx.seconds(15, 1) * 1000);
  return {
    server,
    label: target.kind === 'local' ? 'local disk' : 'S3',
    async stop(what) {
      const stopped = await server.stop();
      const notes = serverProblems(server.output());
      if (stopped.exitCode !== 0) notes.push(`the server exited with ${stopped.exitCode ?? 'SIGKILL'} on SIGTERM`);
      return { sections: profileSections(stopped.cpuProfiles, what), notes };
    },
  };
}
