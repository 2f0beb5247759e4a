// The hand-written codecs against the reference schema (proto/spanbase/internal/v1/internal.proto):
// what they write decodes with protobufjs into the documented fields, what protobufjs writes from
// the schema decodes with them, and every message survives a round trip unchanged.
import { join } from 'node:path';
import protobuf from 'protobufjs';
import type { TagsSummary } from '@spanbase/block';
import { isSpanbaseError, SpanbaseError } from '@spanbase/model';
import { MemoryColumnFetcher, evaluateMetrics, finishMetrics, generateTraces, partialData, planMetrics, traceResultBytes } from '@spanbase/traceql';
import type { MetricsResult, SearchResult, Static } from '@spanbase/traceql';
import { describe, expect, it } from 'vitest';
import { JobsService } from '../jobs-api.ts';
import { LiveService } from '../live-api.ts';
import { PushService } from '../push-api.ts';
import { metricsPartialOf } from './metrics-partial.ts';
import { packSearchResult, spansetsOf, unpackTrace } from './search-result.ts';

const root = protobuf.loadSync(join(import.meta.dirname, '..', '..', 'proto', 'spanbase', 'internal', 'v1', 'internal.proto'));
const type = (name: string) => root.lookupType(`spanbase.internal.v1.${name}`);
const asObject = (name: string, bytes: Uint8Array) => type(name).toObject(type(name).decode(bytes), { longs: String, bytes: Array, defaults: false, oneofs: true });

const values: Static[] = [
  { type: 'nil' },
  { type: 'int', value: -9007199254740993n },
  { type: 'float', value: 1.5 },
  { type: 'string', value: 'ünïcode' },
  { type: 'bool', value: false },
  { type: 'duration', value: 1_500_000_000n },
  { type: 'status', value: 'error' },
  { type: 'kind', value: 'consumer' },
  { type: 'array', value: [{ type: 'int', value: 1n }, { type: 'string', value: 'x' }] },
];

const search: SearchResult = {
  traces: [
    {
      traceId: 'abc123',
      rootServiceName: '',
      rootTraceName: undefined,
      startTimeUnixNano: 1_700_000_000_123_456_789n,
      durationNanos: 42n,
      spansets: [{ matched: 3, spans: [{ spanId: '00000000000000ff', name: undefined, startTimeUnixNano: 5n, durationNanos: 0n, attributes: values.map((value, i) => ({ key: `k${i}`, value })) }], attributes: [{ key: 'count()', value: { type: 'int', value: 3n } }] }],
    },
  ],
  inspectedTraces: 2 ** 40,
  inspectedSpans: 7,
};

describe('internal API codecs', () => {
  it('search results round-trip exactly and match the schema', () => {
    const m = JobsService.methods.Search;
    const bytes = m.encodeResponse({ result: search, failures: [{ source: 'block b', error: new SpanbaseError('BLK_ERR_CHECKSUM', '2 of 9 row groups unreadable', 500) }], inspectedBytes: 1234, recentBlocks: [] });
    const back = m.decodeResponse(bytes);
    expect(back.result).toEqual(search);
    expect(back.inspectedBytes).toBe(1234);
    expect(isSpanbaseError(back.failures[0].error) && back.failures[0].error.code).toBe('BLK_ERR_CHECKSUM');
    const o = asObject('SearchJobResult', bytes) as { result: { traces: { traceId: string; rootServiceName?: string; rootTraceName?: string; startTimeUnixNano: string; spansets: { spans: { attributes: { key: string; value: Record<string, unknown> }[] }[] }[] }[]; inspectedTraces: string }; failures: { code: string; status: number }[] };
    expect(o.result.traces[0]).toMatchObject({ traceId: 'abc123', rootServiceName: '', startTimeUnixNano: '1700000000123456789' });
    expect('rootTraceName' in o.result.traces[0]).toBe(false);
    expect(o.result.inspectedTraces).toBe(String(2 ** 40));
    expect(o.result.traces[0].spansets[0].spans[0].attributes.map((a) => Object.keys(a.value).filter((k) => k !== 'v'))).toEqual([['nil'], ['int'], ['float'], ['string'], ['bool'], ['duration'], ['status'], ['kind'], ['array']]);
    expect(o.failures[0]).toMatchObject({ code: 'BLK_ERR_CHECKSUM', status: 500 });
  });

  it('packed spansets unpack to the same spansets, go on the wire unchanged, and concatenate into their union', () => {
    const packed = packSearchResult(search);
    const t = packed.traces[0];
    expect(t.spansets).toEqual([]);
    expect(t.packed).toMatchObject({ spansets: 1, spans: 1 });
    expect(t.packed!.jsonBytes).toBe(traceResultBytes(search.traces[0]) - traceResultBytes({ ...search.traces[0], spansets: [] }));
    expect(traceResultBytes(t)).toBe(traceResultBytes(search.traces[0]));
    // A trace of its own buffer: keeping one trace keeps no other.
    expect(t.packed!.bytes.byteOffset).toBe(0);
    expect(t.packed!.bytes.buffer.byteLength).toBe(t.packed!.bytes.byteLength);
    expect(unpackTrace(t)).toEqual(search.traces[0]);
    const m = JobsService.methods.Search;
    const wire = (result: SearchResult) => m.encodeResponse({ result, failures: [], inspectedBytes: 0, recentBlocks: [] });
    expect(wire(packed)).toEqual(wire(search));
    // Packed again with more spansets after the packed ones: the packed ones stay first.
    const more = { matched: 1, spans: [], attributes: [] };
    const twice = packSearchResult({ ...packed, traces: [{ ...t, spansets: [more] }] }).traces[0];
    expect(spansetsOf(twice)).toEqual([...search.traces[0].spansets, more]);
    expect(twice.packed).toMatchObject({ spansets: 2, spans: 1 });
    const concatenated = { ...t, packed: { ...t.packed!, bytes: Buffer.concat([t.packed!.bytes, t.packed!.bytes]) } };
    expect(spansetsOf(concatenated)).toEqual([...search.traces[0].spansets, ...search.traces[0].spansets]);
  });

  it('reads what protobufjs writes from the schema, and skips fields it does not know', () => {
    const t = type('LiveSearchRequest');
    const bytes = t.encode(t.fromObject({ query: '{ status = error }', limit: 20, spansPerSpanset: 3, start: '1000', end: '-1', maxResultBytes: '16777216' })).finish();
    const extra = new Uint8Array([...bytes, 0xf8, 0x06, 0x01]); // field 111, varint 1: from a newer peer
    expect(LiveService.methods.Search.decodeRequest(extra)).toEqual({ query: '{ status = error }', limit: 20, spansPerSpanset: 3, start: 1000n, end: -1n, maxResultBytes: 16777216 });
  });

  it('metrics partials rebuild into the same answer, for every kind of pipeline', async () => {
    const base = 1_700_000_000_000_000_000n - (1_700_000_000_000_000_000n % 60_000_000_000n);
    const { traces } = generateTraces({ base, minutes: 5 });
    const plain = (r: MetricsResult) => JSON.stringify(r, (_k, v) => (typeof v === 'bigint' ? v.toString() : v instanceof Float64Array ? [...v].map(String) : v));
    for (const q of ['{} | rate() by (resource.service.name)', '{} | avg_over_time(duration)', '{} | quantile_over_time(duration, .9)', '{} | histogram_over_time(duration)', '{} | compare({ status = error })', '{} | min_over_time(duration)']) {
      const plan = planMetrics(q, { start: base, end: base + 300_000_000_000n, step: 60_000_000_000n, exemplars: 10 });
      const partial = await evaluateMetrics(plan, new MemoryColumnFetcher(traces));
      const m = JobsService.methods.Metrics;
      const bytes = m.encodeResponse({ parts: [partialData(partial), partialData(partial)], failures: [], inspectedBytes: 0, recentBlocks: [] });
      const parts = m.decodeResponse(bytes).parts;
      expect(parts).toHaveLength(2);
      for (const part of parts) expect(plain(finishMetrics(plan, metricsPartialOf(plan, part))), q).toBe(plain(finishMetrics(plan, partial)));
      const o = asObject('MetricsJobResult', bytes) as { parts: { states: { leaf?: unknown; compare?: unknown }[] }[] };
      expect(o.parts[1].states.map((s) => (s.leaf ? 'leaf' : 'compare')), q).toEqual([q.includes('compare') ? 'compare' : 'leaf']);
    }
  });

  it('tags summaries, metrics requests, pushes and trace jobs round-trip', () => {
    const summary: TagsSummary = {
      version: 1,
      scopes: { resource: [{ name: 'service.name', count: 10, types: { string: 10 }, values: [{ type: 'string', value: 'svc', count: 10 }], approximate: false }], span: [{ name: 'n', count: 2.5, types: { int: 2, double: 0.5 }, values: [{ type: 'int', value: '-1', count: 2 }], approximate: true }], event: [], link: [], instrumentation: [] },
      intrinsics: { name: [{ type: 'string', value: 'GET /', count: 4 }] },
      droppedKeys: { resource: 0, span: 3, event: 0, link: 0, instrumentation: 0 },
    };
    const tags = JobsService.methods.Tags;
    expect(tags.decodeResponse(tags.encodeResponse({ summaries: [summary], failures: [], recentBlocks: [] })).summaries).toEqual([summary]);
    const metrics = JobsService.methods.Metrics;
    const job = { metrics: { query: '{} | rate()', request: { start: 1n, end: 2n, step: 3n, instant: false, maxSeries: 0 } }, blocks: [], live: true };
    expect(metrics.decodeRequest(metrics.encodeRequest(job))).toEqual(job);
    const otlp = new Uint8Array(100_000).map((_, i) => i & 0xff);
    const push = PushService.methods.Push.decodeRequest(PushService.methods.Push.encodeRequest({ otlp }));
    expect(push.otlp).toEqual(otlp);
    const trace = JobsService.methods.FindTrace;
    expect(trace.decodeResponse(trace.encodeResponse({ tracesData: new Uint8Array([1, 2, 3]), skipped: ['block a', 'ingester b'] }))).toEqual({ tracesData: new Uint8Array([1, 2, 3]), skipped: ['block a', 'ingester b'] });
  });

  it('a message that does not decode is RPC_ERR_MALFORMED, naming the method', () => {
    const err = (() => {
      try {
        JobsService.methods.Search.decodeResponse(new Uint8Array([0x0a, 0x05, 0x01]));
      } catch (e) {
        return e;
      }
    })();
    expect(isSpanbaseError(err) && err.code).toBe('RPC_ERR_MALFORMED');
    expect((err as Error).message).toMatch(/^Search response does not decode/);
  });
});
