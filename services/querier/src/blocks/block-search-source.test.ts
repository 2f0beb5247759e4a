// A search asks each block's filters on the querier's thread first (the trace-id bloom filter for
// a pinned id, the needle filters for values, statistics and time ranges), so blocks that cannot
// hold a match cost no worker job; searches the filters cannot decide run the job.
import { MemoryStore } from '@spanbase/backend';
import { openBlock, writeBlock } from '@spanbase/block';
import { conformanceTraces } from '@spanbase/block/testing';
import { bytesToHex } from '@spanbase/model';
import { parseOrThrow } from '@spanbase/traceql';
import { describe, expect, it } from 'vitest';
import type { QueryPool } from '../pool/query-pool.ts';
import { blockSearchSource } from './block-search-source.ts';

describe('block search source', () => {
  it('runs no job on a block whose bloom filter rules the pinned trace id out', async () => {
    const store = new MemoryStore();
    const traces = conformanceTraces();
    const meta = await writeBlock(store, { tenant: 't' }, traces.slice(0, 2));
    const inBlock = bytesToHex(traces[0][0].span.traceId);
    const elsewhere = bytesToHex(traces[3][0].span.traceId);
    const jobs: string[] = [];
    const pool = { run: async (job: { query: string }) => (jobs.push(job.query), { traces: [], inspectedTraces: 0, inspectedSpans: 0 }) } as unknown as QueryPool;
    const source = blockSearchSource(meta, pool, openBlock(store, meta));
    const opts = { limit: 20, spansPerSpanset: 3, start: 0n, end: 0n, signal: new AbortController().signal };
    const run = (q: string) => source.search(parseOrThrow(q), opts);
    await run(`{ trace:id = "${elsewhere}" }`);
    await run('{ trace:id = "not-an-id" }');
    expect(jobs).toEqual([]);
    await run(`{ trace:id = "${inBlock}" }`);
    await run(`{ trace:id = "${elsewhere}" || kind = server }`);
    expect(jobs).toHaveLength(2);
    // A name, a span attribute value, a resource attribute value no span of the block has.
    const name = traces[0][0].span.name;
    await run('{ name = "no such span name" }');
    await run('{ span.nowhere = "x" }');
    await run('{ resource.service.name = "no such service" && kind = server }');
    expect(jobs).toHaveLength(2);
    await run(`{ name = ${JSON.stringify(name)} }`);
    await run('{ name = "no such span name" || kind = server }');
    expect(jobs).toHaveLength(4);
    // Without a reader the source cannot check and always runs the job.
    await blockSearchSource(meta, pool).search(parseOrThrow(`{ trace:id = "${elsewhere}" }`), opts);
    expect(jobs).toHaveLength(5);
  });
});
