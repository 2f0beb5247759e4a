// A cluster over a prepared dataset's blocks: one query-frontend (the query API), N queriers (each
// pinned to a core of its own with taskset where there is one, with one query worker) and one
// empty ingester for the live part of every query, all reading the dataset's local block store.
// Nothing is ingested and no compactor runs, so the queriers read exactly the dataset's blocks.
import { mkdirSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import type { NeedleQueries } from '../dataset/needle-queries.ts';
import type { ScenarioContext } from '../scenario.ts';
import { DATASET_SERVER_FLAGS } from './dataset-server.ts';
import { serverProblems } from './server-log.ts';
import type { SpanbaseProcess } from './spanbase-process.ts';
import { TASKSET, spawnSpanbase, waitUntilIdle } from './spanbase-process.ts';

/** A running cluster. */
export interface DatasetCluster {
  /** The frontend's API base URL. */
  api: string;
  /** Whether each querier has a core to itself. */
  pinned: boolean;
  /** The querier processes. */
  queriers: SpanbaseProcess[];
  /** Stops every process; returns notes on what they logged. */
  stop(): Promise<string[]>;
}

/** Starts a frontend with `n` queriers over `d`'s blocks. */
export async function startDatasetCluster(ctx: ScenarioContext, d: NeedleQueries, n: number): Promise<DatasetCluster> {
  const storage = ['--storage.backend=local', `--storage.local.path=${d.dir}`, ...DATASET_SERVER_FLAGS];
  const all: SpanbaseProcess[] = [];
  const dir = (name: string) => {
    const p = join(ctx.tmpDir, `cluster-${n}`, name);
    mkdirSync(p, { recursive: true });
    return p;
  };
  const stop = async () => {
    const notes: string[] = [];
    for (const p of all.reverse()) {
      const s = await p.stop(10_000);
      notes.push(...serverProblems(p.output()));
      if (s.exitCode !== 0) notes.push(`a cluster process exited with ${s.exitCode ?? 'SIGKILL'} on SIGTERM`);
    }
    return notes;
  };
  try {
    const ingester = await spawnSpanbase({ dataDir: dir('ingester'), flags: ['--target=ingester', ...storage], rssSampleMs: 0 });
    all.push(ingester);
    const cores = availableParallelism();
    const queriers: SpanbaseProcess[] = [];
    for (let i = 0; i < n; i++) {
      const q = await spawnSpanbase({ dataDir: dir(`querier-${i}`), flags: ['--target=querier', `--querier.ingester-addresses=${ingester.internal}`, '--query.workers=1', ...storage], cpus: String(i % cores), rssSampleMs: 0 });
      all.push(q);
      queriers.push(q);
    }
    const frontend = await spawnSpanbase({ dataDir: dir('frontend'), flags: ['--target=query-frontend', `--query-frontend.querier-addresses=${queriers.map((q) => q.internal).join(',')}`, ...storage], rssSampleMs: 0 });
    all.push(frontend);
    for (const p of all) await waitUntilIdle(p, ctx.seconds(10, 1) * 1000);
    return { api: frontend.api, pinned: TASKSET !== undefined && n <= cores, queriers, stop };
  } catch (err) {
    await stop();
    throw err;
  }
}
