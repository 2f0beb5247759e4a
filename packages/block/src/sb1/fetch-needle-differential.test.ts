// Pruning by the needle filters never drops a match: random traces whose string values are many
// and sparse (so most row groups lack most values), written twice, with and without the attribute
// value index and the Parquet bloom filters; random queries built from string equalities (what
// the filters decide) mixed with conditions they cannot decide, joined every way TraceQL joins
// them. Every search must find the same traces in both blocks and in the in-memory reference,
// and the filters must have ruled row groups out (or the test proves nothing).
import { MemoryStore } from '@spanbase/backend';
import type { AnyValue, KeyValue, Resource, SpanRecord } from '@spanbase/model';
import { av, compareIds } from '@spanbase/model';
import { MemoryFetcher, executeSearch, parseOrThrow, planSearch } from '@spanbase/traceql';
import { beforeAll, describe, expect, it } from 'vitest';
import { openBlock, writeBlock } from '../registry.ts';
import { Rng } from '../testing/random.ts';
import { ConditionSet } from './fetch-conditions.ts';
import { BlockFields } from './fetch-fields.ts';
import { GroupData } from './fetch-group.ts';
import { blockSpansetFetcher } from './fetch-spansets.ts';
import type { Sb1Reader } from './reader.ts';

const BASE = 1_767_225_600_000_000_000n;
const KEYS = ['http.route', 'http.url', 'db.system', 'user', 'order', 'tag'];
const value = (rng: Rng) => `v${rng.int(400)}`;

function attr(rng: Rng, key: string): KeyValue {
  const r = rng.next();
  const v: AnyValue = r < 0.75 ? av.string(value(rng)) : r < 0.85 ? av.array([av.string(value(rng)), av.int(rng.int(5)), av.string(value(rng))]) : r < 0.95 ? av.int(rng.int(400)) : av.bool(rng.chance(0.5));
  return { key, value: v };
}

function attrs(rng: Rng, p: number): KeyValue[] {
  return KEYS.filter(() => rng.chance(p)).map((k) => attr(rng, k));
}

function traces(seed: number, n: number): SpanRecord[][] {
  const rng = new Rng(seed);
  const resources: Resource[] = Array.from({ length: 30 }, (_, i) => ({ attributes: [{ key: 'service.name', value: av.string(`svc-${i}`) }, ...attrs(rng, 0.4)], droppedAttributesCount: 0 }));
  const out: SpanRecord[][] = [];
  for (let t = 0; t < n; t++) {
    const traceId = rng.bytes(16);
    const start = BASE + BigInt(t) * 1_000_000_000n + BigInt(rng.int(1000));
    const spans = 1 + rng.int(8);
    const records: SpanRecord[] = [];
    for (let i = 0; i < spans; i++) {
      const code = rng.pick([0, 0, 1, 2] as const);
      records.push({
        span: {
          traceId, spanId: rng.bytes(8), parentSpanId: i === 0 ? new Uint8Array(0) : records[rng.int(i)].span.spanId, traceState: '', flags: 0,
          name: `op-${rng.int(120)}`, kind: 2, startTimeUnixNano: start + BigInt(i), endTimeUnixNano: start + BigInt(i) + BigInt(rng.int(1e9)),
          attributes: attrs(rng, 0.35), droppedAttributesCount: 0,
          events: rng.chance(0.2) ? [{ timeUnixNano: start, name: 'e', attributes: attrs(rng, 0.5), droppedAttributesCount: 0 }] : [], droppedEventsCount: 0,
          links: rng.chance(0.1) ? [{ traceId: rng.bytes(16), spanId: rng.bytes(8), traceState: '', attributes: attrs(rng, 0.5), droppedAttributesCount: 0, flags: 0 }] : [], droppedLinksCount: 0,
          status: { code, message: code === 2 ? `failed ${rng.int(60)}` : '' },
        },
        resource: rng.pick(resources), resourceSchemaUrl: '', scope: { name: 's', version: '', attributes: attrs(rng, 0.2), droppedAttributesCount: 0 }, scopeSchemaUrl: '',
      });
    }
    out.push(records);
  }
  return out.sort((a, b) => compareIds(a[0].span.traceId, b[0].span.traceId));
}

/** One condition: mostly string equalities the filters decide, some they cannot. */
function atom(rng: Rng): string {
  const scope = rng.pick(['span', 'resource', '', 'event', 'link', 'instrumentation']);
  const key = rng.pick([...KEYS, 'service.name']);
  const field = `${scope}.${key}`;
  switch (rng.int(9)) {
    case 0:
      return `name = "op-${rng.int(130)}"`;
    case 1:
      return `statusMessage = "failed ${rng.int(70)}"`;
    case 2:
      return `${field} != "${value(rng)}"`;
    case 3:
      return `${field} =~ "v1.*"`;
    case 4:
      return rng.chance(0.5) ? 'status = error' : `${field} = ${rng.int(400)}`;
    case 5:
      return `resource.service.name = "svc-${rng.int(35)}"`;
    default:
      return `${field} = "${value(rng)}"`;
  }
}

function query(rng: Rng): string {
  const spanset = () => {
    const n = 1 + rng.int(3);
    const op = rng.pick([' && ', ' || ']);
    return `{ ${Array.from({ length: n }, () => atom(rng)).join(op)} }`;
  };
  switch (rng.int(5)) {
    case 0:
      return `${spanset()} ${rng.pick(['&&', '||', '>>', '>', '~'])} ${spanset()}`;
    case 1:
      return `${spanset()} | count() > 0`;
    default:
      return spanset();
  }
}

async function write(data: SpanRecord[][], needleIndexes: boolean): Promise<Sb1Reader> {
  const store = new MemoryStore();
  const meta = await writeBlock(store, { tenant: 't', rowGroupSpans: 60, pageSizeBytes: 2048, needleIndexes }, data);
  return openBlock(store, meta) as Sb1Reader;
}

describe('needle filters never drop a match', () => {
  const data = traces(99, 800);
  let pruned: Sb1Reader;
  let plain: Sb1Reader;
  beforeAll(async () => {
    [pruned, plain] = await Promise.all([write(data, true), write(data, false)]);
  });

  it('finds the same traces with and without them, and as the in-memory reference, for random queries', async () => {
    expect(pruned.meta.checksums.values).toBeDefined();
    expect(pruned.meta.columnBlooms).toBeDefined();
    expect(plain.meta.checksums.values).toBeUndefined();
    const rng = new Rng(7);
    const reference = new MemoryFetcher(data);
    const options = { limit: 0, spansPerSpanset: 0 };
    let skipped = 0;
    let nonEmpty = 0;
    for (let i = 0; i < 200; i++) {
      const q = query(rng);
      const f = blockSpansetFetcher(pruned);
      const got = (await executeSearch(q, f, options)).traces;
      skipped += f.stats.skippedByIndex;
      const without = (await executeSearch(q, blockSpansetFetcher(plain), options)).traces;
      expect(got, q).toEqual(without);
      expect(got, q).toEqual((await executeSearch(q, reference, options)).traces);
      if (got.length > 0) nonEmpty++;
    }
    // The filters did rule row groups out, and many queries still found something.
    expect(skipped).toBeGreaterThan(200);
    expect(nonEmpty).toBeGreaterThan(20);
  }, 180_000);

  it('decides text conditions range by range exactly as over the whole row group', async () => {
    // The fetcher evaluates rows in blocks as traces are reached; a text condition marks its
    // candidate rows per range, so every range must give what the whole group gives.
    const rng = new Rng(13);
    const fields = new BlockFields(pruned);
    const groups = await pruned.rowGroups();
    let matched = 0;
    for (let i = 0; i < 40; i++) {
      const scope = rng.pick(['span', '', 'resource']);
      const q = `{ ${scope}.${rng.pick(KEYS)} = "${value(rng)}" ${rng.pick(['&&', '||'])} duration > ${rng.int(2)}ms }`;
      const ast = parseOrThrow(q);
      if (ast.body.kind !== 'pipeline') throw new Error('not a search');
      const request = planSearch(ast.body, 0n, 0n).request;
      const set = new ConditionSet(fields, request.conditions, request.allConditions, true);
      for (let gi = 0; gi < groups.length; gi += 3) {
        const g = new GroupData(pruned, gi, groups[gi]);
        await g.load(set.columns);
        const whole = set.evaluate(g);
        const ranged = new Uint8Array(g.rows);
        for (let from = 0; from < g.rows; from += 7) set.evaluateRange(g, ranged, from, Math.min(g.rows, from + 7));
        expect(ranged, `${q} in row group ${gi}`).toEqual(whole);
        matched += whole.reduce((n, x) => n + x, 0);
      }
    }
    expect(matched).toBeGreaterThan(100);
  });
});
