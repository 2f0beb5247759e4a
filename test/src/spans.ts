// Hand-built spans for tests that need exact control (bad ids, sizes, many traces).
import type { Span, TracesData } from '@spanbase/model';
import { av, hexToBytes } from '@spanbase/model';
import { randomHex } from './otel.ts';

/** A minimal valid span; override any field. */
export function span(over: Partial<Span> = {}): Span {
  const start = BigInt(Date.now()) * 1_000_000n;
  return {
    traceId: hexToBytes(randomHex(16))!,
    spanId: hexToBytes(randomHex(8))!,
    parentSpanId: new Uint8Array(0),
    traceState: '',
    flags: 0,
    name: 'op',
    kind: 2,
    startTimeUnixNano: start,
    endTimeUnixNano: start + 1_000_000n,
    attributes: [{ key: 'k', value: av.string('v') }],
    droppedAttributesCount: 0,
    events: [],
    droppedEventsCount: 0,
    links: [],
    droppedLinksCount: 0,
    status: { code: 0, message: '' },
    ...over,
  };
}

/** A request with the given spans under one resource and scope. */
export function request(spans: Span[], service = 'svc'): TracesData {
  return {
    resourceSpans: [
      {
        resource: { attributes: [{ key: 'service.name', value: av.string(service) }], droppedAttributesCount: 0 },
        schemaUrl: '',
        scopeSpans: [{ scope: { name: 'test', version: '1', attributes: [], droppedAttributesCount: 0 }, schemaUrl: '', spans }],
      },
    ],
  };
}
