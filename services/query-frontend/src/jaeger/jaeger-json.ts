// Spans → Jaeger's query-service JSON (its UI model: what the Jaeger UI and Grafana's Jaeger
// datasource parse), mapped as the OpenTelemetry Collector's Jaeger translator maps OTLP:
//   trace and span ids as hex (a trace id with zero high bits as 16 digits, as Jaeger prints it);
//   the parent as a CHILD_OF reference, links as FOLLOWS_FROM; times in microseconds;
//   attributes as typed tags {key, type, value} (string, bool, int64, float64, binary);
//   span.kind, otel.status_code, otel.status_description, error=true, otel.scope.* and
//   w3c.tracestate as tags; events as logs whose `event` field is the event name;
//   each distinct resource as a process (service.name as serviceName, the rest as tags), p1, p2...
import type { KeyValue, Resource, Span, TracesData } from '@spanbase/model';
import { SpanKind, StatusCode, bytesToHex, serviceNameOf } from '@spanbase/model';
import { plainValue } from '../compat/plain-value.ts';

/** A Jaeger tag or log field. */
export interface JaegerKeyValue {
  key: string;
  type: 'string' | 'bool' | 'int64' | 'float64' | 'binary';
  value: string | boolean | number;
}

/** A Jaeger span reference. */
export interface JaegerReference {
  refType: 'CHILD_OF' | 'FOLLOWS_FROM';
  traceID: string;
  spanID: string;
}

/** A Jaeger span. */
export interface JaegerSpan {
  traceID: string;
  spanID: string;
  flags?: number;
  operationName: string;
  references: JaegerReference[];
  startTime: number;
  duration: number;
  tags: JaegerKeyValue[];
  logs: { timestamp: number; fields: JaegerKeyValue[] }[];
  processID: string;
  warnings: string[] | null;
}

/** A Jaeger process. */
export interface JaegerProcess {
  serviceName: string;
  tags: JaegerKeyValue[];
}

/** A Jaeger trace. */
export interface JaegerTrace {
  traceID: string;
  spans: JaegerSpan[];
  processes: Record<string, JaegerProcess>;
  warnings: string[] | null;
}

const KIND_NAMES: Partial<Record<number, string>> = { [SpanKind.INTERNAL]: 'internal', [SpanKind.SERVER]: 'server', [SpanKind.CLIENT]: 'client', [SpanKind.PRODUCER]: 'producer', [SpanKind.CONSUMER]: 'consumer' };

/** Jaeger's hex trace id: 16 digits when the high 64 bits are zero, else 32. */
export function jaegerTraceId(id: Uint8Array): string {
  const hex = bytesToHex(id);
  return hex.length === 32 && hex.startsWith('0000000000000000') ? hex.slice(16) : hex;
}

/** Nanoseconds → Jaeger's whole microseconds. */
function micros(ns: bigint): number {
  return Number(ns / 1000n);
}

/** An attribute as a typed Jaeger tag; arrays and maps as their JSON text, as the Collector writes them. */
export function jaegerTag(kv: KeyValue): JaegerKeyValue {
  const v = kv.value;
  switch (v.type) {
    case 'string': return { key: kv.key, type: 'string', value: v.value };
    case 'bool': return { key: kv.key, type: 'bool', value: v.value };
    case 'int': return { key: kv.key, type: 'int64', value: Number(v.value) };
    case 'double': return { key: kv.key, type: 'float64', value: v.value };
    case 'bytes': return { key: kv.key, type: 'binary', value: Buffer.from(v.value).toString('base64') };
    case 'array': case 'kvlist': return { key: kv.key, type: 'string', value: JSON.stringify(plainValue(v)) };
    case 'empty': return { key: kv.key, type: 'string', value: '' };
  }
}

const str = (key: string, value: string): JaegerKeyValue => ({ key, type: 'string', value });

function spanTags(s: Span, scopeName: string, scopeVersion: string): JaegerKeyValue[] {
  const tags = s.attributes.map(jaegerTag);
  const kind = KIND_NAMES[s.kind];
  if (kind) tags.push(str('span.kind', kind));
  if (s.status.code === StatusCode.OK) tags.push(str('otel.status_code', 'OK'));
  if (s.status.code === StatusCode.ERROR) tags.push(str('otel.status_code', 'ERROR'), { key: 'error', type: 'bool', value: true });
  if (s.status.message) tags.push(str('otel.status_description', s.status.message));
  if (scopeName) tags.push(str('otel.scope.name', scopeName));
  if (scopeVersion) tags.push(str('otel.scope.version', scopeVersion));
  if (s.traceState) tags.push(str('w3c.tracestate', s.traceState));
  return tags;
}

function processOf(resource: Resource | undefined): JaegerProcess {
  const attrs = resource?.attributes ?? [];
  return { serviceName: serviceNameOf(resource) ?? 'OTLPResourceNoServiceName', tags: attrs.filter((kv) => kv.key !== 'service.name').map(jaegerTag) };
}

/** Converts one trace (all spans share the trace id) to Jaeger's trace JSON. */
export function toJaegerTrace(data: TracesData): JaegerTrace | undefined {
  const spans: JaegerSpan[] = [];
  const processes: Record<string, JaegerProcess> = {};
  const processIds = new Map<string, string>();
  let traceID = '';
  for (const rs of data.resourceSpans) {
    const process = processOf(rs.resource);
    const key = JSON.stringify(process);
    let pid = processIds.get(key);
    if (!pid) {
      pid = `p${processIds.size + 1}`;
      processIds.set(key, pid);
      processes[pid] = process;
    }
    for (const ss of rs.scopeSpans) {
      for (const s of ss.spans) {
        const tid = jaegerTraceId(s.traceId);
        traceID ||= tid;
        const references: JaegerReference[] = [];
        if (s.parentSpanId.length === 8) references.push({ refType: 'CHILD_OF', traceID: tid, spanID: bytesToHex(s.parentSpanId) });
        for (const l of s.links) references.push({ refType: 'FOLLOWS_FROM', traceID: jaegerTraceId(l.traceId), spanID: bytesToHex(l.spanId) });
        const span: JaegerSpan = {
          traceID: tid,
          spanID: bytesToHex(s.spanId),
          operationName: s.name,
          references,
          startTime: micros(s.startTimeUnixNano),
          duration: micros(s.endTimeUnixNano > s.startTimeUnixNano ? s.endTimeUnixNano - s.startTimeUnixNano : 0n),
          tags: spanTags(s, ss.scope?.name ?? '', ss.scope?.version ?? ''),
          logs: s.events.map((e) => ({ timestamp: micros(e.timeUnixNano), fields: [str('event', e.name), ...e.attributes.map(jaegerTag)] })),
          processID: pid,
          warnings: null,
        };
        if (s.flags & 0xff) span.flags = s.flags & 0xff;
        spans.push(span);
      }
    }
  }
  if (spans.length === 0) return undefined;
  spans.sort((a, b) => a.startTime - b.startTime);
  return { traceID, spans, processes, warnings: null };
}

/** Jaeger's response envelope. */
export function jaegerEnvelope(data: unknown, total = Array.isArray(data) ? data.length : 0): Record<string, unknown> {
  return { data, total, limit: 0, offset: 0, errors: null };
}
