// A search job on a query worker thread answers what the same job answers on this thread, with each
// trace's spansets packed into bytes: this thread merges results and also acknowledges ingest, so
// it should not rebuild an object per span and attribute of every block's answer.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { LocalStore } from '@spanbase/backend';
import { writeBlock } from '@spanbase/block';
import { generateRealisticTraces } from '@spanbase/block/testing';
import { unpackTrace } from '@spanbase/internal-api';
import { afterAll, describe, expect, it } from 'vitest';
import { QueryPool } from './query-pool.ts';

describe('QueryPool', () => {
  const dirs: string[] = [];
  afterAll(() => Promise.all(dirs.map((d) => rm(d, { recursive: true, force: true }))));

  it('hands search results over packed, equal to the same search on this thread', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'sb-query-pool-'));
    dirs.push(dir);
    const store = new LocalStore({ path: dir });
    const meta = await writeBlock(store, { tenant: 't' }, generateRealisticTraces({ traces: 60, seed: 5 }));
    const signal = new AbortController().signal;
    const inline = new QueryPool(0, { backend: 'local', local: { path: dir } }, store);
    const pool = new QueryPool(1, { backend: 'local', local: { path: dir } }, store);
    try {
      for (const query of ['{}', '{ kind = server }', '{ kind = client } | by(resource.service.name)']) {
        const job = { kind: 'search' as const, meta, query, limit: 20, spansPerSpanset: 3, start: 0n, end: 0n, maxResultBytes: 0 };
        const want = await inline.run(job, signal);
        const got = await pool.run(job, signal);
        expect(want.traces.length, query).toBeGreaterThan(0);
        for (const t of got.traces) {
          expect(t.spansets, query).toEqual([]);
          expect(t.packed!.spansets, query).toBeGreaterThan(0);
        }
        expect({ ...got, traces: got.traces.map(unpackTrace) }, query).toEqual(want);
      }
    } finally {
      await pool.close();
    }
  });
});
