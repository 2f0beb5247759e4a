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
  stop(what: string): Promise<ServerStopped>;
  /**
   * Runs `fn` against it, then stops it. When `fn` throws, the error thrown carries how the
   * server ended and what it last printed: a client's "fetch failed" alone cannot tell a crash
   * from a dropped connection.
   */
  session<T>(what: string, fn: () => Promise<T>): Promise<{ value: T; stopped: ServerStopped }>;
}

/** What stopping a dataset server leaves for the report. */
export interface ServerStopped {
  /** CPU profile sections (with --cpu-prof). */
  sections: Section[];
  /** Its warnings and errors, and a bad exit. */
  notes: string[];
}

/** The last characters of the server's output put into a failure. */
const OUTPUT_TAIL_CHARS = 2_000;

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
  const stop = async (what: string): Promise<ServerStopped> => {
    const early = server.ended();
    const stopped = await server.stop();
    const notes = serverProblems(server.output());
    if (early !== undefined) notes.push(`the server had ended by itself (${early})`);
    else if (stopped.exitCode !== 0) notes.push(`the server exited with ${stopped.exitCode ?? 'SIGKILL'} on SIGTERM`);
    return { sections: profileSections(stopped.cpuProfiles, what), notes };
  };
  return {
    server,
    label: target.kind === 'local' ? 'local disk' : 'S3',
    stop,
    async session(what, fn) {
      let value;
      try {
        value = await fn();
      } catch (err) {
        const stopped = await stop(what);
        const said = server.output().slice(-OUTPUT_TAIL_CHARS).trim();
        const context = [...stopped.notes, said ? `its last output:\n${said}` : 'no output'].join('\n');
        throw new Error(`${(err as Error).message}\nthe server: ${context}`, { cause: err });
      }
      return { value, stopped: await stop(what) };
    },
  };
}
