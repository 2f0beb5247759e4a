// What the client sent, as the facts Grafana's panels show: span by span with its service,
// timing, tree position and events, read from the OpenTelemetry SDK's own records (not from
// Spanbase). Metrics, structure and exception checks compute their expected answers from it.
import type { AttributeValue } from '@opentelemetry/api';
import type { ReadableSpan } from '@opentelemetry/sdk-trace';

/** One sent span. */
export interface SentSpan {
  traceId: string;
  spanId: string;
  /** Parent span id; undefined for a root (a remote parent counts as a parent). */
  parentId: string | undefined;
  service: string;
  name: string;
  kind: 'internal' | 'server' | 'client' | 'producer' | 'consumer';
  status: 'unset' | 'ok' | 'error';
  startNs: bigint;
  durationNs: bigint;
  attributes: Record<string, AttributeValue | undefined>;
  resource: Record<string, AttributeValue | undefined>;
  events: { name: string; attributes: Record<string, AttributeValue | undefined> }[];
  /** Spans in the subtree this span heads, itself included (Drilldown's nested-set width). */
  subtree: number;
  /** Ids of the span's ancestors present in the trace. */
  ancestors: string[];
}

const KINDS = ['internal', 'server', 'client', 'producer', 'consumer'] as const;
const STATUSES = ['unset', 'ok', 'error'] as const;

function ns([s, n]: [number, number]): bigint {
  return BigInt(s) * 1_000_000_000n + BigInt(n);
}

/** The sent spans as facts, with tree positions computed per trace. */
export function sentSpans(spans: readonly ReadableSpan[]): SentSpan[] {
  const out: SentSpan[] = spans.map((s) => ({
    traceId: s.spanContext().traceId,
    spanId: s.spanContext().spanId,
    parentId: s.parentSpanContext?.spanId,
    service: String(s.resource.attributes['service.name']),
    name: s.name,
    kind: KINDS[s.kind],
    status: STATUSES[s.status.code],
    startNs: ns(s.startTime),
    durationNs: ns(s.duration),
    attributes: { ...s.attributes },
    resource: { ...s.resource.attributes },
    events: s.events.map((e) => ({ name: e.name, attributes: { ...(e.attributes ?? {}) } })),
    subtree: 1,
    ancestors: [],
  }));
  const byId = new Map(out.map((s) => [`${s.traceId}/${s.spanId}`, s]));
  for (const s of out) {
    for (let p = s.parentId && byId.get(`${s.traceId}/${s.parentId}`); p; p = p.parentId && byId.get(`${s.traceId}/${p.parentId}`)) {
      s.ancestors.push(p.spanId);
      p.subtree++;
    }
  }
  return out;
}

/** A span is a root when it has no parent at all (nestedSetParent < 0). */
export function isRoot(s: SentSpan): boolean {
  return s.parentId === undefined;
}

/** A trace id as search results and exemplars write it: hex without leading zeros. */
export function trimmedTraceId(hex: string): string {
  return hex.replace(/^0+/, '');
}

/** The end of the step (unix ns) a span starting at `startNs` counts in: steps are (t − step, t]. */
export function stepEnd(startNs: bigint, stepNs: bigint): bigint {
  const q = startNs / stepNs;
  return q * stepNs === startNs ? startNs : (q + 1n) * stepNs;
}

/** Spans per step end (ms), for spans passing `keep`. */
export function countsPerStep(spans: readonly SentSpan[], stepS: number, keep: (s: SentSpan) => boolean): Map<string, number> {
  const stepNs = BigInt(stepS) * 1_000_000_000n;
  const out = new Map<string, number>();
  for (const s of spans) {
    if (!keep(s)) continue;
    const t = String(stepEnd(s.startNs, stepNs) / 1_000_000n);
    out.set(t, (out.get(t) ?? 0) + 1);
  }
  return out;
}

/** The exact nearest-rank quantile of `values`. */
export function nearestRank(values: readonly number[], q: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.max(0, Math.ceil(q * sorted.length) - 1)];
}

/** Tempo's histogram bucket for a duration: 2^k ns with 2^(k−1) < d ≤ 2^k, in seconds. */
export function histogramBucket(durationNs: bigint): number {
  let k = 0;
  while (2n ** BigInt(k) < durationNs) k++;
  return 2 ** k / 1e9;
}

/** A sent attribute value as a metrics label or search attribute writes it (protobuf JSON). */
export function anyValueOf(v: AttributeValue | undefined): Record<string, unknown> {
  if (typeof v === 'string') return { stringValue: v };
  if (typeof v === 'boolean') return { boolValue: v };
  if (typeof v === 'number') return Number.isInteger(v) ? { intValue: String(v) } : { doubleValue: v };
  return { stringValue: 'nil' };
}
