// Differential test of the block spanset fetcher: for hundreds of queries, a search over a
// written block must find exactly the traces and spansets the in-memory reference finds over
// the same traces (MemoryFetcher, the engine's own reference for what a fetcher returns).
import { MemoryStore } from '@spanbase/backend';
import type { SpanRecord } from '@spanbase/model';
import type { FetchedSpan, FetchedSpanset, FetchSpansRequest, FieldRef, SearchOptions, SpansetFetcher } from '@spanbase/traceql';
import { MemoryFetcher, fieldKey, executeSearch, parse, parseOrThrow, planSearch, typecheck } from '@spanbase/traceql';
import { bytesToHex } from '@spanbase/model';
import { beforeAll, describe, expect, it } from 'vitest';
import { openBlock, writeBlock } from '../registry.ts';
import { conformanceTraces } from '../testing/conformance-traces.ts';
import { ChunkCache } from './chunk-cache.ts';
import type { BlockFetcherOptions } from './fetch-spansets.ts';
import { blockSpansetFetcher } from './fetch-spansets.ts';
import { CORPUS_START, corpusQueries, corpusTraces } from './fetch-test-corpus.ts';
import type { Sb1Reader } from './reader.ts';

async function outcome(f: () => Promise<unknown>): Promise<unknown> {
  try {
    return await f();
  } catch (e) {
    return { error: (e as { code?: string }).code ?? String(e) };
  }
}

function runnable(q: string): boolean {
  const r = parse(q);
  return r.errors.length === 0 && r.ast !== undefined && typecheck(r.ast).length === 0;
}

async function writeTraces(traces: SpanRecord[][], rowGroupSpans: number, chunkCache?: ChunkCache): Promise<Sb1Reader> {
  const store = new MemoryStore();
  const meta = await writeBlock(store, { tenant: 't', rowGroupSpans, pageSizeBytes: 4096 }, traces);
  return openBlock(store, meta, { chunkCache }) as Sb1Reader;
}

async function compare(reader: Sb1Reader, reference: MemoryFetcher, queries: readonly string[], options: SearchOptions, fetcherOptions: BlockFetcherOptions = {}): Promise<number> {
  let checked = 0;
  for (const q of queries) {
    if (!runnable(q)) continue;
    const expected = await outcome(async () => (await executeSearch(q, reference, options)).traces);
    const actual = await outcome(async () => (await executeSearch(q, blockSpansetFetcher(reader, fetcherOptions), options)).traces);
    expect(actual, q).toEqual(expected);
    checked++;
  }
  return checked;
}

/** Attributes of a span in a fixed order (their order is not part of the contract). */
function sortedAttributes(s: FetchedSpan): unknown {
  const key = (a: readonly [FieldRef, unknown]) => fieldKey(a[0]);
  return s.attributes?.().toSorted((a, b) => (key(a) < key(b) ? -1 : key(a) > key(b) ? 1 : 0));
}

/** What a fetcher returned, keyed by trace, with every value of every returned span. */
async function fetched(fetcher: SpansetFetcher, request: FetchSpansRequest): Promise<Map<string, unknown>> {
  const out = new Map<string, unknown>();
  const view = (t: FetchedSpanset) => ({
    root: [t.rootServiceName, t.rootSpanName, t.startTimeUnixNano, t.durationNanos],
    spans: t.spans.map((s) => [bytesToHex(s.spanId), s.startTimeUnixNano, s.durationNanos, request.nestedSets ? [s.nestedSetLeft, s.nestedSetRight, s.nestedSetParent] : [], request.columns.map((_, i) => s.value(i)), sortedAttributes(s)]),
  });
  for await (const t of fetcher.fetch(request)) out.set(bytesToHex(t.traceId), view(t));
  return out;
}

describe('block spanset fetcher agrees with the in-memory reference', () => {
  const traces = corpusTraces(5, 400);
  let reader: Sb1Reader;
  let reference: MemoryFetcher;

  // Through a chunk cache smaller than the block: queries share decoded chunks with the ones
  // before them, and chunks are evicted and read again, as on a query worker.
  const cache = new ChunkCache(512 * 1024);

  beforeAll(async () => {
    reader = await writeTraces(traces, 300, cache);
    reference = new MemoryFetcher(traces);
  });

  it('writes a block of several row groups', async () => {
    expect((await reader.rowGroups()).length).toBeGreaterThan(5);
  });

  it('every generated query, all results', { timeout: 300_000 }, async () => {
    const queries = corpusQueries(11, 420);
    const checked = await compare(reader, reference, queries, { limit: 0, spansPerSpanset: 0 });
    expect(checked).toBeGreaterThan(300);
    expect(cache.count).toBeGreaterThan(10);
  });

  it('fetches exactly the spans and values the in-memory fetcher does', { timeout: 300_000 }, async () => {
    // Search results hide extra spans (the engine evaluates again), so the fetch itself is
    // compared: the same spans, trace facts and values. Unscoped attributes are narrowed to the
    // operand's type on the spanset path, which may return more spans (the superset rule).
    let checked = 0;
    for (const q of corpusQueries(14, 230)) {
      if (!runnable(q)) continue;
      const ast = parseOrThrow(q);
      if (ast.body.kind !== 'pipeline') continue;
      const { request } = planSearch(ast.body);
      const full = { ...request, allAttributes: checked % 5 === 0 };
      const expected = await fetched(reference, full);
      const actual = await fetched(blockSpansetFetcher(reader), full);
      const unscoped = request.conditions.some((c) => c.field.kind === 'attribute' && c.field.scope === 'none');
      if (unscoped) for (const id of expected.keys()) expect(actual.get(id), q).toBeDefined();
      else expect(actual, q).toEqual(expected);
      checked++;
    }
    expect(checked).toBeGreaterThan(190);
  });

  it('the newest 5 traces, in both fetch orders, and time ranges', { timeout: 300_000 }, async () => {
    // Rare matches too: the newest-first fetch changes strategy when matches are rare.
    const rare = ['{ span.num > 995 }', '{ duration > 1s && status = error }', '{ duration > 1s && name = "charge" }', '{ span.http.route = 5 && duration > 300ms }', '{ duration > 1500ms && .a = "zzz" }'];
    const queries = [...corpusQueries(12, 160).slice(-60), ...rare];
    const start = CORPUS_START + 200_000_000_000n;
    const end = CORPUS_START + 400_000_000_000n;
    for (const order of ['rowGroups', 'newest'] as const) {
      expect(await compare(reader, reference, queries, { limit: 5, mostRecent: true }, { order })).toBeGreaterThan(40);
      expect(await compare(reader, reference, queries, { limit: 0, start, end }, { order })).toBeGreaterThan(40);
    }
    // Small blocks of rows, so the first traces taken leave most blocks unevaluated.
    expect(await compare(reader, reference, queries, { limit: 0 }, { order: 'newest', evalBlockRows: 8 })).toBeGreaterThan(40);
  });
});

describe('block spanset fetcher on the conformance traces', () => {
  it('agrees with the reference over the traces as the block reads them back', { timeout: 300_000 }, async () => {
    // Conformance traces repeat keys; which duplicate a block keeps first is its own rule, so the
    // reference is the block's own full decode of each trace.
    const reader = await writeTraces(conformanceTraces({ traces: 40 }), 200);
    const decoded: SpanRecord[][] = [];
    for await (const t of reader.iterateTraces()) decoded.push(t);
    const queries = corpusQueries(13, 200);
    const extra = ['{ .dup = "first" }', '{ .dup = 2 }', '{ span.http.method = 1 }', '{ span.http.method = "PUT" }', '{ .str.unicode =~ ".*🚀.*" }', '{ .int.big > 9007199254740992 }', '{ .double.nan != 1 }', '{ .array = "x" }', '{ .bytes != nil }', '{ resource.service.name = 7 }', '{ span:childCount > 2 }'];
    expect(await compare(reader, new MemoryFetcher(decoded), [...queries, ...extra], { limit: 0, spansPerSpanset: 0 })).toBeGreaterThan(150);
  });
});
