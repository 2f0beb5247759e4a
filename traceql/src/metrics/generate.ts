// Generated traces whose metrics are known by construction, for tests and the bench: every
// minute, each service gets a known number of two-span traces (a server root and a client
// child) at known times, with durations, routes, statuses and attributes drawn from fixed rules.
// The flat span list says what was generated, so expectations are computed from it, not from
// the engine.
import type { KeyValue, Resource, Scope, SpanRecord } from '@spanbase/model';
import { av } from '@spanbase/model';

/** One generated span, as the test sees it. */
export interface GeneratedSpan {
  /** Index of its trace. */
  readonly trace: number;
  /** Start, unix ns. */
  readonly start: bigint;
  /** Duration, ns. */
  readonly duration: bigint;
  /** resource.service.name. */
  readonly service: string;
  /** span.http.route (roots only). */
  readonly route: string | undefined;
  /** Status error? */
  readonly error: boolean;
  /** Root (server) or child (client). */
  readonly root: boolean;
  /** span.http.response_size (int; roots only). */
  readonly size: number | undefined;
  /** span.load (float; children only). */
  readonly load: number | undefined;
}

/** What to generate. */
export interface GenerateOptions {
  /** Start of the first minute, unix ns (should be a whole minute). */
  readonly base: bigint;
  /** Minutes to fill. */
  readonly minutes: number;
  /** Services (default checkout, cart, payment). */
  readonly services?: readonly string[];
  /** Multiplies the traces per minute (default 1). */
  readonly scale?: number;
}

const MINUTE = 60_000_000_000n;
const MS = 1_000_000n;
const SCOPE: Scope = { name: 'gen', version: '1', attributes: [], droppedAttributesCount: 0 };

function id(bytes: number, n: number, salt: number): Uint8Array {
  const out = new Uint8Array(bytes);
  out[0] = salt;
  new DataView(out.buffer).setUint32(bytes - 4, n + 1);
  return out;
}

/**
 * Traces per service and minute: (m mod 4 + 1) · (service index + 1) · scale. Trace k of a
 * minute starts (k+1) · 59s / (count+1) into it (never on the minute); its root lasts
 * 1 + (k·7919 mod 1000) ms, on route /r(k mod 3), with an error when k mod 5 = 0; its child
 * starts 1ms later and lasts half as long.
 */
export function generateTraces(opts: GenerateOptions): { traces: SpanRecord[][]; spans: GeneratedSpan[] } {
  const services = opts.services ?? ['checkout', 'cart', 'payment'];
  const scale = opts.scale ?? 1;
  const resources: Resource[] = services.map((s) => ({ attributes: [{ key: 'service.name', value: av.string(s) }], droppedAttributesCount: 0 }));
  const traces: SpanRecord[][] = [];
  const spans: GeneratedSpan[] = [];
  for (let m = 0; m < opts.minutes; m++) {
    for (let s = 0; s < services.length; s++) {
      const count = ((m % 4) + 1) * (s + 1) * scale;
      for (let k = 0; k < count; k++) {
        const t = traces.length;
        const start = opts.base + BigInt(m) * MINUTE + (BigInt(k + 1) * 59_000n * MS) / BigInt(count + 1);
        const duration = BigInt(1 + ((k * 7919) % 1000)) * MS;
        const error = k % 5 === 0;
        const route = `/r${k % 3}`;
        const size = 100 * ((k % 7) + 1);
        const load = (k % 4) * 0.5;
        const traceId = id(16, t, 17);
        const rootId = id(8, t, 23);
        const rootAttrs: KeyValue[] = [
          { key: 'http.route', value: av.string(route) },
          { key: 'http.response_size', value: av.int(size) },
        ];
        const root = record(traceId, rootId, new Uint8Array(0), `GET ${route}`, 2, start, duration, error, rootAttrs, resources[s]);
        const childStart = start + MS;
        const child = record(traceId, id(8, t, 29), rootId, 'db', 3, childStart, duration / 2n, false, [{ key: 'load', value: av.double(load) }], resources[s]);
        traces.push([root, child]);
        spans.push({ trace: t, start, duration, service: services[s], route, error, root: true, size, load: undefined });
        spans.push({ trace: t, start: childStart, duration: duration / 2n, service: services[s], route: undefined, error: false, root: false, size: undefined, load });
      }
    }
  }
  return { traces, spans };
}

function record(traceId: Uint8Array, spanId: Uint8Array, parent: Uint8Array, name: string, kind: 2 | 3, start: bigint, duration: bigint, error: boolean, attributes: KeyValue[], resource: Resource): SpanRecord {
  return {
    span: {
      traceId,
      spanId,
      parentSpanId: parent,
      traceState: '',
      flags: 0,
      name,
      kind,
      startTimeUnixNano: start,
      endTimeUnixNano: start + duration,
      attributes,
      droppedAttributesCount: 0,
      events: [],
      droppedEventsCount: 0,
      links: [],
      droppedLinksCount: 0,
      status: { code: error ? 2 : 0, message: error ? 'failed' : '' },
    },
    resource,
    resourceSchemaUrl: '',
    scope: SCOPE,
    scopeSchemaUrl: '',
  };
}
