// Dictionary summaries never drop a match: a summary says "may contain" for every text inside
// any of its entries, and a search that rules row groups out by the summaries an earlier search
// kept finds exactly what a reader without any cache finds, and what the in-memory reference
// finds, over random pattern and equality queries on values kept in every kind of place (a
// dedicated column, the generic string lists, arrays in the `other` lists, resources, names).
import { MemoryStore } from '@spanbase/backend';
import type { AnyValue, KeyValue, Resource, SpanRecord } from '@spanbase/model';
import { av, compareIds } from '@spanbase/model';
import { MemoryFetcher, executeSearch } from '@spanbase/traceql';
import { beforeAll, describe, expect, it } from 'vitest';
import { openBlock, writeBlock } from '../registry.ts';
import { Rng } from '../testing/random.ts';
import { ChunkCache } from './chunk-cache.ts';
import { DictionarySummary } from './dictionary-summary.ts';
import { GroupData } from './fetch-group.ts';
import { blockSpansetFetcher } from './fetch-spansets.ts';
import type { Sb1Reader } from './reader.ts';

const BASE = 1_767_225_600_000_000_000n;
// http.route has a dedicated column; url.path and user only the generic lists.
const KEYS = ['http.route', 'url.path', 'user'];
const utf8 = new TextEncoder();

/**
 * Mostly a few common paths (so the writer picks dictionaries), sometimes a rare one (item
 * numbers up to 300), so most row groups lack most rare ones.
 */
const path = (rng: Rng) => (rng.chance(0.85) ? `/api/v1/${rng.pick(['order', 'cart', 'user'])}/list-${rng.int(8)}` : `/api/v${rng.int(3)}/${rng.pick(['order', 'cart'])}/item-${rng.int(300)}x`);

function attr(rng: Rng, key: string): KeyValue {
  const r = rng.next();
  const v: AnyValue = r < 0.9 ? av.string(path(rng)) : r < 0.9005 ? av.array([av.string(path(rng)), av.int(rng.int(5))]) : av.int(rng.int(300));
  return { key, value: v };
}

const attrs = (rng: Rng, p: number): KeyValue[] => KEYS.filter(() => rng.chance(p)).map((k) => attr(rng, k));

function traces(seed: number, n: number): SpanRecord[][] {
  const rng = new Rng(seed);
  const resources: Resource[] = Array.from({ length: 20 }, (_, i) => ({ attributes: [{ key: 'service.name', value: av.string(`svc-${i}`) }, ...attrs(rng, 0.3)], droppedAttributesCount: 0 }));
  const out: SpanRecord[][] = [];
  for (let t = 0; t < n; t++) {
    const traceId = rng.bytes(16);
    const start = BASE + BigInt(t) * 1_000_000_000n;
    const records: SpanRecord[] = [];
    for (let i = 0, spans = 1 + rng.int(6); i < spans; i++) {
      records.push({
        span: {
          traceId, spanId: rng.bytes(8), parentSpanId: i === 0 ? new Uint8Array(0) : records[0].span.spanId, traceState: '', flags: 0,
          name: `op-${rng.int(40)}`, kind: 2, startTimeUnixNano: start + BigInt(i), endTimeUnixNano: start + BigInt(i) + 1000n,
          attributes: attrs(rng, 0.5), droppedAttributesCount: 0, events: [], droppedEventsCount: 0, links: [], droppedLinksCount: 0,
          status: { code: rng.pick([0, 2] as const), message: '' },
        },
        resource: rng.pick(resources), resourceSchemaUrl: '', scope: { name: 's', version: '', attributes: [], droppedAttributesCount: 0 }, scopeSchemaUrl: '',
      });
    }
    out.push(records);
  }
  return out.sort((a, b) => compareIds(a[0].span.traceId, b[0].span.traceId));
}

function atom(rng: Rng): string {
  const field = `${rng.pick(['span', 'span', 'span', 'resource', ''])}.${rng.pick(KEYS)}`;
  switch (rng.int(7)) {
    case 0:
      return `${field} =~ ".*item-${rng.int(320)}x"`;
    case 1:
      return `${field} =~ "/api/v${rng.int(5)}/order/item-${rng.int(40)}.*"`;
    case 2:
      return `${field} = "${path(rng)}"`;
    case 3:
      return `name =~ "op-${rng.int(45)}"`;
    case 4:
      return rng.chance(0.5) ? 'status = error' : `${field} != "${path(rng)}"`;
    default:
      return `${field} =~ ".*m-${rng.int(320)}x.*"`;
  }
}

function query(rng: Rng): string {
  const spanset = () => {
    const n = 1 + rng.int(2);
    return `{ ${Array.from({ length: n }, () => atom(rng)).join(rng.pick([' && ', ' || ']))} }`;
  };
  return rng.chance(0.2) ? `${spanset()} && ${spanset()}` : spanset();
}

describe('dictionary summaries', () => {
  it('may contain every text inside an entry, and rules out most others', async () => {
    const store = new MemoryStore();
    const data = traces(3, 300);
    const meta = await writeBlock(store, { tenant: 't', rowGroupSpans: 400, pageSizeBytes: 2048 }, data);
    const reader = openBlock(store, meta) as Sb1Reader;
    const g = new GroupData(reader, 0, (await reader.rowGroups())[0]);
    await g.load(['span_str_values', 'span_str_keys', 'name']);
    let absent = 0;
    for (const column of ['span_str_values', 'span_str_keys', 'name']) {
      const c = g.chunk(column);
      const s = DictionarySummary.of(c)!;
      expect(s, column).toBeDefined();
      const dict = c.dictionary!;
      for (let i = 0; i < dict.count; i++) {
        const e = dict.string(i);
        expect(s.mayHoldEntry(e)).toBe(true);
        for (let from = 0; from < e.length; from++) for (let to = from + 1; to <= e.length; to++) expect(s.mayContain(utf8.encode(e.slice(from, to))), `${column}: ${e.slice(from, to)}`).toBe(true);
      }
      for (let k = 0; k < 100; k++) if (!s.mayContain(utf8.encode(`zq${k}x`))) absent++;
    }
    expect(absent).toBeGreaterThan(250);
    // Keys: exact entries.
    expect(DictionarySummary.of(g.chunk('span_str_keys'))!.mayHoldEntry('no.such.key')).toBe(false);
  });

  describe('pruning by kept summaries never drops a match', () => {
    const data = traces(11, 1500);
    let store: MemoryStore;
    let meta: Awaited<ReturnType<typeof writeBlock>>;
    beforeAll(async () => {
      store = new MemoryStore();
      meta = await writeBlock(store, { tenant: 't', rowGroupSpans: 300, pageSizeBytes: 2048 }, data);
    });

    it('finds what a reader without a cache and the in-memory reference find, for random queries', async () => {
      const cache = new ChunkCache(64 * 1024 * 1024);
      const cached = openBlock(store, meta, { chunkCache: cache });
      const plain = openBlock(store, meta);
      const reference = new MemoryFetcher(data);
      const options = { limit: 0, spansPerSpanset: 0 };
      const rng = new Rng(5);
      let skipped = 0;
      let nonEmpty = 0;
      for (let i = 0; i < 150; i++) {
        const q = query(rng);
        const expected = (await executeSearch(q, blockSpansetFetcher(plain), options)).traces;
        expect(expected, q).toEqual((await executeSearch(q, reference, options)).traces);
        // The first search keeps the summaries, the second is decided by them where they can.
        for (let run = 0; run < 2; run++) {
          const f = blockSpansetFetcher(cached);
          expect((await executeSearch(q, f, options)).traces, `${q} (run ${run})`).toEqual(expected);
          if (run === 1) skipped += f.stats.skippedBySummary;
        }
        if (expected.length > 0) nonEmpty++;
      }
      expect(cache.summaries.count).toBeGreaterThan(0);
      expect(skipped).toBeGreaterThan(300);
      expect(nonEmpty).toBeGreaterThan(30);
    }, 180_000);
  });
});
