// A client that retries a request the server wrote but never acknowledged sends its spans twice;
// where both copies meet in one trace of a flush, the block gets one. Spans that only share an id
// (a shared client/server span of Zipkin, different bytes) both stay.
import { describe, expect, it } from 'vitest';
import { av, hexToBytes } from '@spanbase/model';
import type { Span, SpanKind } from '@spanbase/model';
import { encodeTracesData, scanExportRequest, shareScan } from '@spanbase/otlp';
import { Chunk } from './chunk.ts';
import { batchTraces, buildFlushBatch } from './flush-batch.ts';
import { TenantStore } from './tenant-store.ts';

const TRACE = hexToBytes('00000000000000000000000000000abc')!;

function span(id: string, kind: SpanKind = 2): Span {
  return {
    traceId: TRACE, spanId: hexToBytes(id)!, parentSpanId: new Uint8Array(0), traceState: '', flags: 0, name: 'op', kind,
    startTimeUnixNano: 1000n, endTimeUnixNano: 2000n, attributes: [], droppedAttributesCount: 0, events: [], droppedEventsCount: 0, links: [], droppedLinksCount: 0, status: { code: 0, message: '' },
  };
}

function chunkOf(spans: Span[]): Chunk {
  const body = encodeTracesData({ resourceSpans: [{ resource: { attributes: [{ key: 'service.name', value: av.string('svc') }], droppedAttributesCount: 0 }, schemaUrl: '', scopeSpans: [{ scope: undefined, schemaUrl: '', spans }] }] });
  return new Chunk(shareScan(scanExportRequest(body)), undefined, 0);
}

describe('flush batch', () => {
  it('writes a retried span once, and keeps spans that only share an id', () => {
    const store = new TenantStore('t');
    store.add(chunkOf([span('0000000000000001'), span('0000000000000002')]), 0);
    // The retry: the same two spans again, plus a client span sharing the server span's id.
    store.add(chunkOf([span('0000000000000001'), span('0000000000000002'), span('0000000000000001', 3)]), 0);
    store.sealIdle(0, 0, true);
    const [trace] = [...batchTraces(buildFlushBatch('t', store.cutHead()!.traces, 60_000))];
    expect(trace.map((r) => `${r.span.spanId[7]}/${r.span.kind}`).sort()).toEqual(['1/2', '1/3', '2/2']);
  });
});
