// The fetchers skip what a request cannot need: row groups outside the time range or ruled out
// by statistics, columns the query does not read, value columns of keys a row group lacks; and
// they hand out the newest traces first and stop when aborted.
import { CountingSink, MemoryStore, withMetrics } from '@spanbase/backend';
import type { SpanRecord } from '@spanbase/model';
import { av } from '@spanbase/model';
import type { Condition, FetchSpansRequest } from '@spanbase/traceql';
import { MemoryFetcher, executeSearch, parseOrThrow, planSearch } from '@spanbase/traceql';
import { beforeAll, describe, expect, it } from 'vitest';
import { openBlock, writeBlock } from '../registry.ts';
import { idFromNumber } from '../testing/conformance-traces.ts';
import { Rng } from '../testing/random.ts';
import { blockColumnFetcher } from './fetch-columns.ts';
import { searchBlock } from './fetch-search.ts';
import { blockSpansetFetcher } from './fetch-spansets.ts';
import type { Sb1Reader } from './reader.ts';

const BASE = 1_767_225_600_000_000_000n;
const MS = 1_000_000n;

/**
 * 200 traces of 5 spans with sequential ids, so row groups (50 spans) hold 10 traces each.
 * Trace t starts at t seconds and its spans last t ms: time and duration grow with the id, and
 * each row group covers its own range of both. Trace 7's spans carry `rare`.
 */
function traces(): SpanRecord[][] {
  return Array.from({ length: 200 }, (_, t) =>
    Array.from({ length: 5 }, (_, i): SpanRecord => {
      const start = BASE + BigInt(t) * 1000n * MS + BigInt(i);
      const spanId = idFromNumber(BigInt(t * 10 + i + 1)).slice(8);
      return {
        span: {
          traceId: idFromNumber(BigInt(t + 1)), spanId, parentSpanId: i === 0 ? new Uint8Array(0) : idFromNumber(BigInt(t * 10 + 1)).slice(8), traceState: '', flags: 0,
          name: `op-${i}`, kind: 2, startTimeUnixNano: start, endTimeUnixNano: start + BigInt(t) * MS,
          attributes: [{ key: 'i', value: av.int(i) }, ...(t === 7 ? [{ key: 'rare', value: av.string('yes') }] : [])], droppedAttributesCount: 0,
          events: [], droppedEventsCount: 0, links: [], droppedLinksCount: 0, status: { code: t % 50 === 0 ? 2 : 0, message: '' },
        },
        resource: { attributes: [{ key: 'service.name', value: av.string(`svc-${t % 3}`) }], droppedAttributesCount: 0 },
        resourceSchemaUrl: '',
        scope: { name: '', version: '', attributes: [], droppedAttributesCount: 0 },
        scopeSchemaUrl: '',
      };
    }),
  );
}

function request(query: string, start = 0n, end = 0n): FetchSpansRequest {
  const ast = parseOrThrow(query);
  if (ast.body.kind !== 'pipeline') throw new Error('not a search');
  return planSearch(ast.body, start, end).request;
}

async function drain<T>(xs: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const x of xs) out.push(x);
  return out;
}

describe('fetcher pruning', () => {
  const data = traces();
  const sink = new CountingSink();
  let reader: Sb1Reader;

  beforeAll(async () => {
    const store = new MemoryStore();
    const meta = await writeBlock(store, { tenant: 't', rowGroupSpans: 50 }, data);
    reader = openBlock(withMetrics(store, sink), meta) as Sb1Reader;
    expect((await reader.rowGroups()).length).toBe(20);
    await reader.columnStats();
  });

  it('skips row groups outside the time range', async () => {
    const f = blockSpansetFetcher(reader);
    const start = BASE + 50_000n * MS;
    const end = BASE + 59_500n * MS;
    const got = await drain(f.fetch(request('{}', start, end)));
    expect(got.map((t) => t.traceId[15]).sort((a, b) => a - b)).toEqual(Array.from({ length: 10 }, (_, i) => 51 + i));
    expect(f.stats.skippedByTime).toBe(19);
    expect(f.stats.groupsRead).toBe(1);
  });

  it('skips row groups by duration and status statistics', async () => {
    const f = blockSpansetFetcher(reader);
    expect((await drain(f.fetch(request('{ duration > 185ms }')))).length).toBe(14);
    expect(f.stats.skippedByStats).toBe(18);
    await drain(f.fetch(request('{ status = error }')));
    expect(f.stats.skippedByStats).toBe(16);
    // Any condition of an `||` may hold, so only groups where none can are skipped.
    await drain(f.fetch(request('{ duration > 185ms } || { status = error }')));
    expect(f.stats.skippedByStats).toBe(14);
  });

  it('looks a pinned trace id up in the bloom filter and reads only the row group that can hold it', async () => {
    const f = blockSpansetFetcher(reader);
    // Trace 57 (id 0x39, searched as "39") lives in row group 5 of 20.
    const got = await drain(f.fetch(request('{ trace:id = "39" && span.i >= 3 }')));
    expect(got.map((t) => [t.traceId[15], t.spans.length])).toEqual([[57, 2]]);
    expect([f.stats.groupsRead, f.stats.skippedByStats, f.stats.skippedByBloom]).toEqual([1, 19, 0]);
    // The same answer as the reference evaluator, for a hit, a miss and ids that are no ids.
    for (const q of ['{ trace:id = "39" }', '{ trace:id = "00000000000000000000000000000039" }', '{ trace:id = "ffff" }', '{ trace:id = "xyz" }', '{ trace:id = "39" || name = "op-4" }']) {
      const want = await executeSearch(q, new MemoryFetcher(data), { limit: 0, spansPerSpanset: 0 });
      expect((await executeSearch(q, blockSpansetFetcher(reader), { limit: 0, spansPerSpanset: 0 })).traces, q).toEqual(want.traces);
    }
    // An id the bloom filter rules out (above the block's range here) reads no row group at all.
    await drain(f.fetch(request('{ trace:id = "ffff" }')));
    expect([f.stats.groupsRead, f.stats.rowGroups, f.stats.skippedByBloom]).toEqual([0, 0, 1]);
    // Under `||` the id does not pin the trace: every row group is read.
    await drain(f.fetch(request('{ trace:id = "39" || name = "op-4" }')));
    expect(f.stats.groupsRead).toBe(20);
  });

  it('reads only the columns a query needs', async () => {
    const f = blockSpansetFetcher(reader);
    await drain(f.fetch(request('{ kind = server }')));
    expect(f.stats.columnsRead).toContain('kind');
    for (const c of ['span_str_values', 'span_int_values', 'resource_attrs', 'events', 'links', 'nested_left', 'span_http_route']) expect(f.stats.columnsRead).not.toContain(c);
    // A key no span list holds: its values column is never read, and no span comes back (a
    // regex, which the value index cannot decide).
    expect(await drain(f.fetch(request('{ span.absent =~ "x" }')))).toEqual([]);
    expect(f.stats.columnsRead).toContain('span_str_keys');
    expect(f.stats.columnsRead).not.toContain('span_str_values');
    expect(f.stats.columnsRead).not.toContain('span_id');
    // A key in one row group: values are read there only.
    const rare = await drain(f.fetch(request('{ span.rare = "yes" }')));
    expect(rare.map((t) => t.spans.length)).toEqual([5]);
    // Structural queries read the nested-set columns; others do not.
    await drain(f.fetch(request('{ name = "op-0" } > { name = "op-1" }')));
    expect(f.stats.columnsRead).toContain('nested_left');
  });

  it('rules row groups out by the attribute value index and the Parquet bloom filters before reading them', async () => {
    const f = blockSpansetFetcher(reader);
    const run = async (q: string) => {
      const out = await drain(f.fetch(request(q)));
      return [out.length, f.stats.groupsRead, f.stats.skippedByIndex];
    };
    // One trace holds it: one row group is read, the other 19 are ruled out unread.
    expect(await run('{ span.rare = "yes" }')).toEqual([1, 1, 19]);
    expect(await run('{ .rare = "yes" }')).toEqual([1, 1, 19]);
    expect(await run('{ span.rare = "no" }')).toEqual([0, 0, 20]);
    expect(f.stats.bytesRead).toBe(0);
    // Resource attributes, and a conjunction decided by one of its conditions.
    expect(await run('{ resource.service.name = "svc-9" }')).toEqual([0, 0, 20]);
    expect(await run('{ resource.service.name = "svc-1" && span.rare = "yes" }')).toEqual([1, 1, 19]);
    // Span names, by data.parquet's own bloom filters.
    // (op-25 lies between op-2 and op-3: statistics cannot rule it out.)
    expect(await run('{ name = "op-25" }')).toEqual([0, 0, 20]);
    expect((await run('{ name = "op-3" }'))[1]).toBe(20);
    // A disjunction needs every branch ruled out.
    expect(await run('{ span.rare = "yes" || span.rare = "no" }')).toEqual([1, 1, 19]);
    expect((await run('{ span.rare = "yes" || span.i = 3 }'))[2]).toBe(0);
    // A search reports what it scanned: the spans of the row groups it read, and their bytes.
    const found = await searchBlock(reader, '{ span.rare = "yes" }', { limit: 20 });
    expect([found.traces.length, found.inspectedSpans]).toEqual([1, 50]);
    expect(found.inspectedBytes).toBeGreaterThan(0);
    const none = await searchBlock(reader, '{ span.rare = "no" }', { limit: 20 });
    expect([none.traces.length, none.inspectedSpans, none.inspectedBytes]).toEqual([0, 0, 0]);
    // Not equality with a string: nothing the filters can say.
    for (const q of ['{ span.rare != "yes" }', '{ span.rare =~ "ye." }', '{ span.i = 3 }']) expect((await run(q))[2], q).toBe(0);
  });

  it('rules row groups out by their dictionaries before decoding rows, when no filter did', async () => {
    const store = new MemoryStore();
    const plain = openBlock(store, await writeBlock(store, { tenant: 't', rowGroupSpans: 50, needleIndexes: false }, data)) as Sb1Reader;
    const f = blockSpansetFetcher(plain);
    const run = async (q: string) => {
      const out = await drain(f.fetch(request(q)));
      return [out.length, f.stats.groupsRead, f.stats.skippedByIndex, f.stats.skippedByDictionary];
    };
    // Every group is read (no filters), none decoded row by row: the text is in no dictionary.
    expect(await run('{ span.rare = "no" }')).toEqual([0, 20, 0, 20]);
    expect(f.stats.columnsRead).not.toContain('span_id');
    expect(await run('{ name = "op-25" }')).toEqual([0, 20, 0, 20]);
    expect(await run('{ resource.service.name = "svc-7" }')).toEqual([0, 20, 0, 20]);
    // Patterns: decided per dictionary entry (and by the literal every match contains).
    expect(await run('{ span.rare =~ "n.*" }')).toEqual([0, 20, 0, 20]);
    expect(await run('{ span.rare =~ "[xz].*" }')).toEqual([0, 20, 0, 20]);
    expect(await run('{ span.rare =~ ".*es" }')).toEqual([1, 20, 0, 19]);
    // Where the text is in a dictionary the rows decide.
    expect(await run('{ span.rare = "yes" }')).toEqual([1, 20, 0, 19]);
    expect(await run('{ resource.service.name = "svc-1" }')).toEqual([67, 20, 0, 0]);
  });

  it('makes no second read for row groups where nothing matches', async () => {
    const f = blockSpansetFetcher(reader);
    const before = sink.total('getRange').requests;
    await drain(f.fetch(request('{ span.i = 99 }')));
    const requests = sink.total('getRange').requests - before;
    expect(f.stats.groupsRead).toBe(20);
    expect(requests).toBeLessThanOrEqual(2 * 20);
    expect(f.stats.yielded).toBe(0);
    const all = blockSpansetFetcher(reader);
    const before2 = sink.total('getRange').requests;
    await drain(all.fetch(request('{ span.i = 1 }')));
    expect(sink.total('getRange').requests - before2).toBeGreaterThan(requests);
  });

  it('hands out the newest trace first and stops reading when the search has enough', async () => {
    const newest = blockSpansetFetcher(reader, { order: 'newest' });
    const first = await newest.fetch(request('{}'))[Symbol.asyncIterator]().next();
    expect(first.value?.traceId).toEqual(idFromNumber(200n));
    // The newest 3 traces: the second phase reads the one row group that holds them.
    const result = await searchBlock(reader, '{}', { limit: 3 });
    expect(result.traces.map((t) => t.traceId)).toEqual(['c8', 'c7', 'c6']);
    const reference = await executeSearch('{}', new MemoryFetcher(data), { limit: 3, mostRecent: true });
    expect(result.traces).toEqual(reference.traces);
    const f = blockSpansetFetcher(reader, { order: 'newest' });
    await executeSearch('{}', f, { limit: 3 });
    expect(f.stats.yielded).toBe(3);
    expect(f.stats.columnsRead).toContain('span_id');
  });

  it('finds trace boundaries by trace id when neighbouring traces start together', async () => {
    // Every trace starts at the same time: the trace_start codes cannot tell traces apart.
    const same = traces().slice(0, 30).map((t) => t.map((r) => ({ ...r, span: { ...r.span, startTimeUnixNano: BASE, endTimeUnixNano: BASE + 5n } })));
    const store = new MemoryStore();
    const r = openBlock(store, await writeBlock(store, { tenant: 't', rowGroupSpans: 50 }, same));
    for (const q of ['{}', '{ span.i = 2 }', '{ name = "op-1" } >> { name = "op-3" }']) {
      const want = await executeSearch(q, new MemoryFetcher(same), { limit: 0, spansPerSpanset: 0 });
      expect((await executeSearch(q, blockSpansetFetcher(r, { order: 'newest' }), { limit: 0, spansPerSpanset: 0 })).traces, q).toEqual(want.traces);
    }
  });

  it('stops between row groups when aborted', async () => {
    const controller = new AbortController();
    const f = blockSpansetFetcher(reader);
    let seen = 0;
    await expect(
      (async () => {
        for await (const _ of f.fetch(request('{}'), controller.signal)) if (++seen === 3) controller.abort(new Error('enough'));
      })(),
    ).rejects.toThrow('enough');
    expect(f.stats.groupsRead).toBeLessThan(20);
  });

  it('the column path prunes the same way and reads no trace columns it does not need', async () => {
    const f = blockColumnFetcher(reader);
    const conditions: Condition[] = [{ field: { kind: 'intrinsic', name: 'duration' }, op: '>', operands: [{ type: 'duration', value: 185n * MS }] }];
    const batches = await drain(f.fetchColumns({ startTimeUnixNano: BASE, endTimeUnixNano: BASE + 1000_000n * MS, conditions, columns: [{ kind: 'attribute', scope: 'resource', name: 'service.name' }], ids: false }));
    expect(batches.reduce((n, b) => n + b.length, 0)).toBe(14 * 5);
    expect(f.stats.skippedByStats).toBe(18);
    expect(f.stats.columnsRead).not.toContain('trace_id');
    expect(f.stats.columnsRead).not.toContain('resource_attrs');
    expect(f.stats.columnsRead).toContain('service_name');
  });
});

describe('string statistics', () => {
  it('rule row groups out in UTF-8 byte order, the order Parquet bounds them in', async () => {
    // In UTF-8 '\u{1F600}' sorts after '\uFF01'; in UTF-16 code units it sorts before it.
    const names = ['\uFF01', '\u{1F600}', 'a'];
    const data = traces().slice(0, 3).map((t, i) => t.map((r) => ({ ...r, span: { ...r.span, name: names[i] } })));
    const store = new MemoryStore();
    const meta = await writeBlock(store, { tenant: 't' }, data);
    const r = openBlock(store, meta) as Sb1Reader;
    for (const name of names) {
      const q = `{ name = "${name}" }`;
      const got = await executeSearch(q, blockSpansetFetcher(r), { limit: 0, spansPerSpanset: 0 });
      expect(got.traces.length, q).toBe(1);
    }
  });
});

describe('page pruning by the Parquet page index', () => {
  // Two row groups of 500 spans, small pages: duration_nano (growing with the trace) has about
  // four pages per group, each covering its own range of durations.
  const data = traces();
  let indexed: Sb1Reader;
  let plain: Sb1Reader;

  beforeAll(async () => {
    const write = async (needleIndexes: boolean) => {
      const store = new MemoryStore();
      const meta = await writeBlock(store, { tenant: 't', rowGroupSpans: 500, pageSizeBytes: 1024, needleIndexes }, data);
      return openBlock(store, meta) as Sb1Reader;
    };
    [indexed, plain] = await Promise.all([write(true), write(false)]);
    expect(indexed.meta.pageIndex).toBeDefined();
    expect(plain.meta.pageIndex).toBeUndefined();
  });

  it('leaves pages whose duration bounds rule them out undecoded, and finds what a full decode finds', async () => {
    const f = blockSpansetFetcher(indexed);
    const got = await executeSearch('{ duration > 170ms }', f, { limit: 0, spansPerSpanset: 0 });
    // Traces 171-199 (ids 172-200) have spans over 170 ms.
    expect(got.traces.map((t) => parseInt(t.traceId, 16)).sort((a, b) => a - b)).toEqual(Array.from({ length: 29 }, (_, i) => 172 + i));
    // Group 0 (traces 0-99) is skipped by its statistics; in group 1 the pages of traces below 170 by their bounds.
    expect(f.stats.skippedByStats).toBe(1);
    expect(f.stats.skippedPages).toBeGreaterThanOrEqual(2);
    const g = blockSpansetFetcher(plain);
    expect((await executeSearch('{ duration > 170ms }', g, { limit: 0, spansPerSpanset: 0 })).traces).toEqual(got.traces);
    expect(g.stats.skippedPages).toBe(0);
  });

  it('never drops a match: random duration, status and name conditions, pruned against unpruned', async () => {
    const rng = new Rng(11);
    const reference = new MemoryFetcher(data);
    const atom = () => {
      const ms = rng.int(220);
      switch (rng.int(5)) {
        case 0: return `duration ${rng.pick(['>', '>=', '<', '<=', '='])} ${ms}ms`;
        case 1: return `duration ${rng.pick(['>', '<'])} ${ms * 1000}us`;
        case 2: return `status = ${rng.pick(['error', 'ok', 'unset'])}`;
        case 3: return `status != ${rng.pick(['error', 'unset'])}`;
        default: return `name = "op-${rng.int(6)}"`;
      }
    };
    let skipped = 0;
    let nonEmpty = 0;
    for (let i = 0; i < 150; i++) {
      const n = 1 + rng.int(3);
      const q = `{ ${Array.from({ length: n }, atom).join(rng.pick([' && ', ' || ']))} }`;
      const f = blockSpansetFetcher(indexed);
      const options = { limit: 0, spansPerSpanset: 0 };
      const got = (await executeSearch(q, f, options)).traces;
      skipped += f.stats.skippedPages;
      expect(got, q).toEqual((await executeSearch(q, blockSpansetFetcher(plain), options)).traces);
      expect(got, q).toEqual((await executeSearch(q, reference, options)).traces);
      if (got.length > 0) nonEmpty++;
    }
    expect(skipped).toBeGreaterThan(20);
    expect(nonEmpty).toBeGreaterThan(30);
  });

  it('the column path skips the same pages and answers the same', async () => {
    const conditions: Condition[] = [{ field: { kind: 'intrinsic', name: 'duration' }, op: '>', operands: [{ type: 'duration', value: 170n * MS }] }];
    const run = async (r: Sb1Reader) => {
      const f = blockColumnFetcher(r);
      const batches = await drain(f.fetchColumns({ startTimeUnixNano: BASE, endTimeUnixNano: BASE + 1000_000n * MS, conditions, columns: [{ kind: 'attribute', scope: 'resource', name: 'service.name' }], ids: false }));
      return { rows: batches.reduce((n, b) => n + b.length, 0), skipped: f.stats.skippedPages };
    };
    const [a, b] = await Promise.all([run(indexed), run(plain)]);
    expect(a.rows).toBe(29 * 5);
    expect(b.rows).toBe(a.rows);
    expect(a.skipped).toBeGreaterThanOrEqual(2);
    expect(b.skipped).toBe(0);
  });
});
