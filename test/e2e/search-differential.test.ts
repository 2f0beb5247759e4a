// Acceptance (#5): a generated dataset, a generated corpus of TraceQL queries (every operator
// family), run through the whole storage-backed path (/api/search: live data, the block fetchers
// on the query workers, the executor's merge) and through the reference evaluator from traceql.
// With the data live, flushed into one block, and spread over several blocks, every query must
// find the same traces, spansets and spans.
import { av, groupSpanRecords } from '@spanbase/model';
import type { KeyValue, SpanRecord } from '@spanbase/model';
import { encodeTracesData } from '@spanbase/otlp';
import { parse, referenceSearch, staticToAnyValue } from '@spanbase/traceql';
import { FIELD_ATOMS, PIPELINE_STAGES, SPANSET_OPS, pick, randomAttributes, randomQuery, rng } from '@spanbase/traceql/testing';
import type { TraceResult } from '@spanbase/traceql';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FAST_FLUSH, waitForFlush } from '../src/flush.ts';
import { startTestSpanbase } from '../src/harness.ts';
import type { TestSpanbase } from '../src/harness.ts';

const BASE = BigInt(Date.now() - 20 * 60_000) * 1_000_000n;

/** Traces with trees (and orphans), several services and resources, dedicated-column attributes with odd types. */
function dataset(seed: number, count: number): SpanRecord[][] {
  const r = rng(seed);
  const resources = ['s1', 's2', 's3'].map((s) => ({ attributes: [{ key: 'service.name', value: av.string(s) }, ...randomAttributes(r)], droppedAttributesCount: 0 }));
  const scope = { name: 'lib', version: '1', attributes: [], droppedAttributesCount: 0 };
  const traces: SpanRecord[][] = [];
  for (let t = 0; t < count; t++) {
    const traceId = new Uint8Array(16).map(() => Math.floor(r() * 256));
    traceId[0] = t + 1;
    const n = 1 + Math.floor(r() * 20);
    const records: SpanRecord[] = [];
    for (let i = 0; i < n; i++) {
      const spanId = new Uint8Array(8).map(() => Math.floor(r() * 256));
      spanId[0] = i + 1;
      let parentSpanId: Uint8Array = new Uint8Array(0);
      if (i > 0) parentSpanId = r() < 0.08 ? new Uint8Array(8).fill(0xee) : records[Math.floor(r() * i)].span.spanId;
      const start = BASE + BigInt(t) * 10_000_000_000n + BigInt(Math.floor(r() * 1e9));
      const extra: KeyValue[] = r() < 0.3 ? [{ key: 'http.status_code', value: r() < 0.8 ? av.int(pick(r, [200, 404, 500])) : av.string('500') }] : [];
      records.push({
        span: {
          traceId, spanId, parentSpanId, traceState: '', flags: 0,
          name: pick(r, ['n1', 'n2', 'n3']),
          kind: pick(r, [1, 2, 3] as const),
          startTimeUnixNano: start,
          endTimeUnixNano: start + BigInt(Math.floor(r() * 10_000_000)),
          attributes: [...randomAttributes(r), ...extra], droppedAttributesCount: 0,
          events: r() < 0.3 ? [{ timeUnixNano: start, name: pick(r, ['e1', 'e2']), attributes: randomAttributes(r), droppedAttributesCount: 0 }] : [],
          droppedEventsCount: 0,
          links: r() < 0.1 ? [{ traceId: traces[0]?.[0]?.span.traceId ?? traceId, spanId: records[0]?.span.spanId ?? spanId, traceState: '', attributes: randomAttributes(r), droppedAttributesCount: 0, flags: 0 }] : [],
          droppedLinksCount: 0,
          status: { code: pick(r, [0, 1, 2] as const), message: r() < 0.2 ? 'boom' : '' },
        },
        resource: pick(r, resources),
        resourceSchemaUrl: '',
        scope,
        scopeSchemaUrl: '',
      });
    }
    traces.push(records);
  }
  return traces;
}

// The generator's vocabulary plus what this dataset adds: trace-level intrinsics, status
// messages, links, and a dedicated column (http.status_code) sometimes sent as a string.
const ATOMS = [
  ...FIELD_ATOMS,
  'status != unset', 'kind != client', 'duration < 2ms', 'name =~ "n[12]"', 'rootServiceName = "s1"', 'traceDuration > 1s', 'rootName = "n2"',
  'statusMessage = "boom"', 'span.http.status_code = 500', 'span.http.status_code >= 400', '.http.status_code = "500"', 'link:spanID != nil',
];
const STAGES = [...PIPELINE_STAGES, 'by(resource.service.name)', 'select(.b, name)', 'min(duration) < 1ms', 'sum(.a) > 2'];

/** Every operator family at least once, then random ones, all valid queries. */
function corpus(n: number): string[] {
  const fixed = [...ATOMS.map((a) => `{ ${a} }`), ...SPANSET_OPS.map((op) => `{ kind = server } ${op} { kind = client }`), ...STAGES.map((s) => `{ .a != nil } | ${s}`), '{}'];
  const r = rng(99);
  const out = fixed.filter((q) => parse(q).errors.length === 0);
  while (out.length < n) {
    const q = randomQuery(r, ATOMS, STAGES);
    if (parse(q).errors.length === 0 && !out.includes(q)) out.push(q);
  }
  return out;
}

interface ApiTrace {
  traceID: string;
  spanSets: { spans: { spanID: string }[]; matched: number; attributes?: { key: string; value: Record<string, unknown> }[] }[];
}

function canonApi(traces: ApiTrace[]) {
  return traces
    .map((t) => ({ id: t.traceID, sets: t.spanSets.map((s) => `${s.matched}|${s.spans.map((x) => x.spanID).sort().join(',')}|${JSON.stringify(s.attributes ?? [])}`).sort() }))
    .sort((a, b) => (a.id < b.id ? -1 : 1));
}

function canonRef(traces: readonly TraceResult[]) {
  return traces
    .map((t) => ({
      id: t.traceId,
      sets: t.spansets
        .map((s) => {
          const attributes = s.attributes.map((a) => ({ key: a.key, value: jsonValue(a.value) }));
          return `${s.matched}|${s.spans.map((x) => x.spanId).sort().join(',')}|${JSON.stringify(attributes)}`;
        })
        .sort(),
    }))
    .sort((a, b) => (a.id < b.id ? -1 : 1));
}

function jsonValue(v: TraceResult['spansets'][number]['attributes'][number]['value']): Record<string, unknown> {
  const a = staticToAnyValue(v);
  const json = (x: typeof a): Record<string, unknown> =>
    x.type === 'int' ? { intValue: x.value.toString() } : x.type === 'double' ? { doubleValue: x.value } : x.type === 'bool' ? { boolValue: x.value } : x.type === 'array' ? { arrayValue: { values: x.value.map(json) } } : x.type === 'string' ? { stringValue: x.value } : {};
  return json(a);
}

const TRACES = dataset(7, 60);
const QUERIES = corpus(220);
const startS = Number(BASE / 1_000_000_000n) - 60;
const endS = startS + 3600;

async function send(sb: TestSpanbase, traces: SpanRecord[][]): Promise<void> {
  for (const t of traces) {
    const r = await fetch(sb.otlpHttp, { method: 'POST', body: encodeTracesData(groupSpanRecords(t)), headers: { 'content-type': 'application/x-protobuf' } });
    expect(r.status).toBe(200);
  }
}

async function runCorpus(sb: TestSpanbase): Promise<string[]> {
  const mismatches: string[] = [];
  for (const q of QUERIES) {
    const ref = await referenceSearch(q, TRACES, { limit: 0, spansPerSpanset: 100 }).then((x) => ({ ok: true as const, traces: canonRef(x.traces) }), (e: { code?: string }) => ({ ok: false as const, code: e.code }));
    const res = await fetch(`${sb.api}/api/search?${new URLSearchParams({ q, limit: '1000', spss: '100', start: String(startS), end: String(endS) })}`);
    if (!ref.ok) {
      if (res.status !== 400) mismatches.push(`${q}: reference failed with ${ref.code}, API answered ${res.status}`);
      continue;
    }
    if (res.status !== 200) {
      mismatches.push(`${q}: API answered ${res.status} ${await res.text()}`);
      continue;
    }
    const api = canonApi(((await res.json()) as { traces: ApiTrace[] }).traces);
    if (JSON.stringify(api) !== JSON.stringify(ref.traces)) {
      const ids = new Set([...api.map((t) => t.id), ...ref.traces.map((t) => t.id)]);
      const diff = [...ids].map((id) => ({ id, api: api.find((t) => t.id === id)?.sets, ref: ref.traces.find((t) => t.id === id)?.sets })).filter((d) => JSON.stringify(d.api) !== JSON.stringify(d.ref));
      mismatches.push(`${q}: ${diff.length} traces differ, e.g. ${JSON.stringify(diff[0]).slice(0, 600)}`);
    }
  }
  return mismatches;
}

describe.each([
  ['live', 0],
  ['one block', 1],
  ['several blocks', 4],
] as const)('search agrees with the reference evaluator: data %s', (_name, blocks) => {
  let sb: TestSpanbase;
  beforeAll(async () => {
    sb = await startTestSpanbase(blocks === 0 ? { 'ingester.trace-idle-period': 3_600_000, 'ingester.max-block-duration': 3_600_000 } : { ...FAST_FLUSH, 'ingester.trace-idle-period': 3_600_000, 'ingester.max-block-duration': 3_600_000 });
    const ing = (sb.running.modules.get('ingester') as { ingester: { flushAll(): Promise<void> } }).ingester;
    const per = blocks === 0 ? TRACES.length : Math.ceil(TRACES.length / blocks);
    for (let i = 0; i < TRACES.length; i += per) {
      await send(sb, TRACES.slice(i, i + per));
      if (blocks > 0) await ing.flushAll();
    }
    if (blocks > 0) await waitForFlush(sb);
  }, 120_000);
  afterAll(() => sb?.stop());

  it(`runs ${QUERIES.length} queries with the same traces and spans`, async () => {
    expect(QUERIES.length).toBeGreaterThanOrEqual(200);
    const mismatches = await runCorpus(sb);
    expect(mismatches.slice(0, 5)).toEqual([]);
  }, 300_000);

  it.runIf(blocks > 0)('counts the bytes a search read, not whole blocks: a span name no block holds reads none of their rows', async () => {
    const res = await fetch(`${sb.api}/api/search?${new URLSearchParams({ q: '{ name = "no-such-span" }', start: String(startS), end: String(endS) })}`);
    expect(res.status).toBe(200);
    const body = (await res.json()) as { traces: unknown[]; metrics: { inspectedBytes?: string; totalBlockBytes?: string } };
    expect(body.traces).toEqual([]);
    expect(Number(body.metrics.totalBlockBytes)).toBeGreaterThan(0);
    expect(Number(body.metrics.inspectedBytes ?? 0)).toBeLessThan(Number(body.metrics.totalBlockBytes) / 10);
  });
});
