// The workload generator's public face: deterministic, realistic traces as OTLP export batches.
// Spans reach the batches the way an OpenTelemetry SDK sends them: every pod has its own
// exporter, which collects finished spans and sends a batch when it holds `maxBatchSpans` or its
// oldest span has waited `maxBatchDelayMs`. So one request carries one resource, and a trace's
// spans arrive spread over the batches of the services it touched.
import type { ScopeSpans, Span, SpanRecord, TracesData } from '@spanbase/model';
import { makeInstance, makeRequestContext, scopeFor } from './attributes.ts';
import type { Instance } from './attributes.ts';
import { Rng } from './rng.ts';
import { ENTRY_POINTS, SERVICES } from './service-graph.ts';
import { TraceBuilder } from './trace-builder.ts';
import type { EmittedSpan, SpanContextRef } from './trace-builder.ts';

/** Options of the workload generator. */
export interface WorkloadOptions {
  /** Start of the window trace start times are spread over, unix ns (default 2026-01-01T00:00:00Z). */
  startUnixNano?: bigint;
  /** Length of that window, seconds (default 60); trace starts are spread evenly over it. */
  windowSeconds?: number;
  /** Most spans an exporter sends in one request (the SDK's maxExportBatchSize; default 512). */
  maxBatchSpans?: number;
  /** An exporter also sends once its oldest span has waited this long, ms (scheduledDelayMillis; default 5000). */
  maxBatchDelayMs?: number;
  /** Stop once this many spans were generated (after the trace that crosses it). */
  maxSpans?: number;
}

/** 2026-01-01T00:00:00Z in unix nanoseconds: a fixed default so runs are reproducible. */
export const DEFAULT_WORKLOAD_START_UNIX_NANO = 1_767_225_600_000_000_000n;

interface Pending {
  instance: Instance;
  spans: EmittedSpan[];
  oldestMs: number;
}

/**
 * Generates `traceCount` traces from `seed` and yields them as export batches, in the order
 * exporters would send them. The same seed and options always give the same batches.
 */
export function* workloadBatches(seed: number, traceCount: number, opts: WorkloadOptions = {}): Generator<TracesData> {
  const rng = new Rng(seed);
  const start = opts.startUnixNano ?? DEFAULT_WORKLOAD_START_UNIX_NANO;
  const windowMs = (opts.windowSeconds ?? 60) * 1000;
  const maxBatchSpans = opts.maxBatchSpans ?? 512;
  const maxDelayMs = opts.maxBatchDelayMs ?? 5000;
  const maxSpans = opts.maxSpans ?? Infinity;
  const instances = new Map<string, Instance[]>(SERVICES.map((svc) => [svc.name, Array.from({ length: svc.instances }, (_, i) => makeInstance(rng, svc, i))]));
  const pending = new Map<Instance, Pending>();
  const recentProducers: SpanContextRef[] = [];
  const totalWeight = ENTRY_POINTS.reduce((a, e) => a + e.weight, 0);
  const ready: TracesData[] = [];
  let traceStartMs = 0;
  let generated = 0;

  const flush = (p: Pending): void => {
    pending.delete(p.instance);
    ready.push(toBatch(p));
  };
  const emit = (e: EmittedSpan): void => {
    generated++;
    const atMs = traceStartMs + e.endMs;
    let p = pending.get(e.instance);
    if (!p) {
      p = { instance: e.instance, spans: [], oldestMs: atMs };
      pending.set(e.instance, p);
    }
    p.spans.push(e);
    if (p.spans.length >= maxBatchSpans) flush(p);
  };

  for (let i = 0; i < traceCount && generated < maxSpans; i++) {
    traceStartMs = ((i + rng.next()) * windowMs) / traceCount;
    for (const p of [...pending.values()]) if (traceStartMs - p.oldestMs > maxDelayMs) flush(p);
    const entry = pickEntry(rng, totalWeight);
    const startNs = start + BigInt(Math.round(traceStartMs * 1e6));
    new TraceBuilder(rng, instances, makeRequestContext(rng), startNs, emit, recentProducers).root(entry.service, entry.op);
    yield* ready;
    ready.length = 0;
  }
  for (const p of [...pending.values()].sort((a, b) => a.oldestMs - b.oldestMs)) flush(p);
  yield* ready;
}

/** Schema URL the generated exporters send. */
const SCHEMA_URL = 'https://opentelemetry.io/schemas/1.27.0';

/**
 * Generates `traceCount` traces from `seed` one at a time, as the spans a block writer takes
 * (no exporter batching): trace `i` starts at `startOf(i, rng)`. For datasets written straight
 * into blocks, where holding the batches of millions of spans would not fit in memory.
 */
export function* workloadTraces(seed: number, traceCount: number, startOf: (i: number, rng: Rng) => bigint): Generator<SpanRecord[]> {
  const rng = new Rng(seed);
  const instances = new Map<string, Instance[]>(SERVICES.map((svc) => [svc.name, Array.from({ length: svc.instances }, (_, i) => makeInstance(rng, svc, i))]));
  const recentProducers: SpanContextRef[] = [];
  const totalWeight = ENTRY_POINTS.reduce((a, e) => a + e.weight, 0);
  for (let i = 0; i < traceCount; i++) {
    const spans: SpanRecord[] = [];
    const emit = (e: EmittedSpan): void => {
      spans.push({ span: e.span, resource: e.instance.resource, resourceSchemaUrl: SCHEMA_URL, scope: scopeFor(e.instance, e.category), scopeSchemaUrl: SCHEMA_URL });
    };
    const entry = pickEntry(rng, totalWeight);
    new TraceBuilder(rng, instances, makeRequestContext(rng), startOf(i, rng), emit, recentProducers).root(entry.service, entry.op);
    yield spans;
  }
}

/** All batches of `workloadBatches` as an array. */
export function generateTraces(seed: number, traceCount: number, opts: WorkloadOptions = {}): TracesData[] {
  return [...workloadBatches(seed, traceCount, opts)];
}

/** Number of spans in a batch. */
export function spanCountOf(data: TracesData): number {
  let n = 0;
  for (const rs of data.resourceSpans) for (const ss of rs.scopeSpans) n += ss.spans.length;
  return n;
}

function pickEntry(rng: Rng, totalWeight: number): (typeof ENTRY_POINTS)[number] {
  let r = rng.next() * totalWeight;
  for (const e of ENTRY_POINTS) {
    r -= e.weight;
    if (r < 0) return e;
  }
  return ENTRY_POINTS[ENTRY_POINTS.length - 1];
}

function toBatch(p: Pending): TracesData {
  const byScope = new Map<string, Span[]>();
  for (const e of p.spans) {
    const scope = scopeFor(p.instance, e.category);
    let list = byScope.get(scope.name);
    if (!list) byScope.set(scope.name, (list = []));
    list.push(e.span);
  }
  const scopeSpans: ScopeSpans[] = [...byScope].map(([name, spans]) => ({ scope: p.instance.scopes.get(name), spans, schemaUrl: 'https://opentelemetry.io/schemas/1.27.0' }));
  return { resourceSpans: [{ resource: p.instance.resource, scopeSpans, schemaUrl: 'https://opentelemetry.io/schemas/1.27.0' }] };
}
