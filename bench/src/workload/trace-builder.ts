// Builds one trace by walking the service graph from an entry point: each call becomes a client
// span in the caller and a server span in the callee, database and external calls become client
// spans, fan-out steps run in parallel. Times are kept relative to the trace start (ns, as
// doubles: small enough to be exact) and turned into absolute bigints when a span is emitted.
import { av } from '@spanbase/model';
import type { KeyValue, Span, SpanEvent, SpanKind, SpanLink } from '@spanbase/model';
import {
  dbAttributes, exceptionAttributes, grpcAttributes, httpClientAttributes, httpServerAttributes, internalAttributes, messagingAttributes,
} from './attributes.ts';
import type { Instance, RequestContext, SpanCategory } from './attributes.ts';
import type { Rng } from './rng.ts';
import { SERVICE_BY_NAME } from './service-graph.ts';
import type { OpDef, ServiceDef, Step } from './service-graph.ts';

/** A finished span and where it was produced. */
export interface EmittedSpan {
  /** The span. */
  span: Span;
  /** The pod that reports it. */
  instance: Instance;
  /** Its instrumentation scope name on that pod. */
  category: SpanCategory;
  /** End time relative to the trace start, ms (exporters batch by it). */
  endMs: number;
}

/** A span another trace may link to (Kafka messages consumed in batches). */
export interface SpanContextRef {
  /** Trace id. */
  traceId: Uint8Array;
  /** Span id. */
  spanId: Uint8Array;
}

const MS = 1e6;
const MAX_DEPTH = 12;
/** Share of spans whose own work is much slower than usual (GC pauses, lock waits, cold caches). */
const SLOW_TAIL = 0.005;
const NO_PARENT = new Uint8Array(0);
const FLAGS_LOCAL = 0x100;
const FLAGS_REMOTE = 0x300;

interface Outcome {
  endNs: number;
  error: boolean;
}

/** Generates the spans of one trace. */
export class TraceBuilder {
  private readonly rng: Rng;
  private readonly instances: ReadonlyMap<string, readonly Instance[]>;
  private readonly ctx: RequestContext;
  private readonly traceId: Uint8Array;
  private readonly startNs: bigint;
  private readonly emit: (s: EmittedSpan) => void;
  private readonly recentProducers: SpanContextRef[];

  constructor(rng: Rng, instances: ReadonlyMap<string, readonly Instance[]>, ctx: RequestContext, startNs: bigint, emit: (s: EmittedSpan) => void, recentProducers: SpanContextRef[]) {
    this.rng = rng;
    this.instances = instances;
    this.ctx = ctx;
    this.traceId = rng.bytes(16);
    this.startNs = startNs;
    this.emit = emit;
    this.recentProducers = recentProducers;
  }

  /** Runs an entry-point operation as the root of the trace. */
  root(service: string, op: string): void {
    const svc = SERVICE_BY_NAME.get(service)!;
    this.serve(svc, op, NO_PARENT, 0, 0);
  }

  /** Serves `op` on a pod of `svc`: a server (or consumer, or job) span and everything it does. */
  private serve(svc: ServiceDef, opName: string, parent: Uint8Array, startNs: number, depth: number): Outcome {
    const op = svc.ops[opName];
    const inst = this.rng.pick(this.instances.get(svc.name)!);
    const spanId = this.rng.bytes(8);
    const { endNs: workEnd, error: childError } = this.runSteps(inst, op.steps, spanId, startNs + this.own(op.selfMs * 0.3), depth);
    const endNs = workEnd + this.own(op.selfMs * 0.7);
    const error = this.rng.chance(op.errorRate) || (childError && this.rng.chance(0.6));
    const ownFailure = error && !childError;
    let kind: SpanKind = 2;
    let category: SpanCategory;
    let name: string;
    let attributes: KeyValue[];
    const links: SpanLink[] = [];
    if (op.protocol === 'http') {
      category = 'http-server';
      name = `${op.method} ${op.target}`;
      const status = error ? this.rng.pick([500, 502, 503]) : this.rng.chance(0.03) ? 404 : op.method === 'POST' ? 201 : 200;
      attributes = httpServerAttributes(this.rng, this.ctx, op.method!, op.target, status);
    } else if (op.protocol === 'grpc') {
      category = 'grpc-server';
      name = `${op.target}/${opName}`;
      attributes = grpcAttributes(this.rng, op.target, opName, error ? this.rng.pick([2, 4, 14]) : 0, true, '');
    } else if (op.protocol === 'kafka') {
      category = 'consume';
      kind = 5;
      name = `${op.target} process`;
      attributes = messagingAttributes(this.rng, op.target, 'process', this.ctx.userId);
    } else {
      category = 'job';
      kind = op.target === 'notification-batch' ? 5 : 1;
      name = op.target;
      attributes = [{ key: 'job.name', value: av.string(op.target) }, { key: 'job.run.id', value: av.int(this.rng.int(1, 1e9)) }];
      if (kind === 5) links.push(...this.linksToRecentMessages());
    }
    this.push(inst, category, {
      spanId, parent, name, kind, startNs, endNs, attributes, links, error, remoteParent: parent.length > 0,
      events: this.eventsFor(inst, op, name, startNs, endNs, ownFailure),
    });
    return { endNs, error };
  }

  /** Runs steps one after another (repeats of a parallel step at once); returns when the last ends. */
  private runSteps(inst: Instance, steps: readonly Step[], parent: Uint8Array, startNs: number, depth: number): Outcome {
    let t = startNs;
    let error = false;
    if (depth >= MAX_DEPTH) return { endNs: t, error };
    for (const step of steps) {
      if (step.p !== undefined && !this.rng.chance(step.p)) continue;
      const n = step.n ? this.rng.int(step.n[0], step.n[1]) : 1;
      let groupEnd = t;
      for (let i = 0; i < n; i++) {
        const begin = step.parallel ? t + this.rng.next() * 0.05 * MS : groupEnd + this.rng.next() * 0.02 * MS;
        const r = this.runStep(inst, step, parent, begin, depth);
        groupEnd = Math.max(groupEnd, r.endNs);
        error ||= r.error;
      }
      t = groupEnd;
    }
    return { endNs: t, error };
  }

  private runStep(inst: Instance, step: Step, parent: Uint8Array, startNs: number, depth: number): Outcome {
    const spanId = this.rng.bytes(8);
    switch (step.kind) {
      case 'call': {
        const svc = SERVICE_BY_NAME.get(step.service)!;
        const op = svc.ops[step.op];
        const net = this.rng.lognormal(0.25, 0.5) * MS;
        const served = this.serve(svc, step.op, spanId, startNs + net, depth + 1);
        const endNs = served.endNs + net;
        if (op.protocol === 'http') {
          const status = served.error ? 503 : op.method === 'POST' ? 201 : 200;
          const attrs = httpClientAttributes(this.rng, op.method!, `${svc.name}.shop.svc.cluster.local`, op.target, status);
          this.push(inst, 'http-client', { spanId, parent, name: op.method!, kind: 3, startNs, endNs, attributes: attrs, error: served.error });
        } else {
          const attrs = grpcAttributes(this.rng, op.target, step.op, served.error ? 14 : 0, false, svc.name);
          this.push(inst, 'grpc-client', { spanId, parent, name: `${op.target}/${step.op}`, kind: 3, startNs, endNs, attributes: attrs, error: served.error });
        }
        return served.error ? { endNs, error: true } : { endNs, error: false };
      }
      case 'db': {
        const d = step.db;
        const endNs = startNs + this.own(d.ms);
        const error = this.rng.chance(0.0005);
        const name = d.collection ? `${d.operation} ${d.namespace}.${d.collection}` : d.operation;
        const attrs = dbAttributes(this.rng, d.system, d.namespace, d.operation, d.collection, d.query);
        this.push(inst, d.system === 'redis' ? 'redis' : 'db', { spanId, parent, name, kind: 3, startNs, endNs, attributes: attrs, error });
        return { endNs, error };
      }
      case 'external': {
        const endNs = startNs + this.own(step.ms);
        const error = this.rng.chance(step.errorRate);
        const attrs = httpClientAttributes(this.rng, step.method, step.host, step.path, error ? this.rng.pick([500, 502, 503, 504]) : 200);
        this.push(inst, 'http-client', { spanId, parent, name: step.method, kind: 3, startNs, endNs, attributes: attrs, error });
        return { endNs, error };
      }
      case 'internal': {
        const inner = this.runSteps(inst, step.steps ?? [], spanId, startNs + this.own(step.ms * 0.5), depth + 1);
        const endNs = inner.endNs + this.own(step.ms * 0.5);
        this.push(inst, 'internal', { spanId, parent, name: step.name, kind: 1, startNs, endNs, attributes: internalAttributes(this.rng, this.ctx, step.name), error: inner.error });
        return { endNs, error: inner.error };
      }
      case 'produce': {
        const endNs = startNs + this.own(0.8);
        this.push(inst, 'produce', { spanId, parent, name: `${step.topic} publish`, kind: 4, startNs, endNs, attributes: messagingAttributes(this.rng, step.topic, 'send', this.ctx.userId), error: false });
        this.rememberProducer(spanId);
        // The consumer runs later, outside the request; its span is still a child of the publish.
        const consumer = SERVICES_CONSUMING.get(step.topic);
        if (consumer) this.serve(consumer, step.topic, spanId, endNs + this.rng.lognormal(40, 1) * MS, depth + 1);
        return { endNs, error: false };
      }
      default: {
        const never: never = step;
        return never;
      }
    }
  }

  /** Own work of a span, ns: lognormal around the median, and now and then much slower. */
  private own(medianMs: number): number {
    let ms = this.rng.lognormal(medianMs, 0.6);
    if (this.rng.chance(SLOW_TAIL)) ms *= 5 + this.rng.next() * 35;
    return ms * MS;
  }

  private eventsFor(inst: Instance, op: OpDef, name: string, startNs: number, endNs: number, failed: boolean): SpanEvent[] {
    const events: SpanEvent[] = [];
    if (this.rng.chance(0.03)) {
      events.push({
        timeUnixNano: this.abs(startNs + (endNs - startNs) * this.rng.next()), name: this.rng.pick(['cache miss', 'retrying request', 'slow query detected']), droppedAttributesCount: 0,
        attributes: [{ key: 'log.severity', value: av.string('WARN') }, { key: 'retry.attempt', value: av.int(this.rng.int(1, 3)) }],
      });
    }
    if (failed) events.push({ timeUnixNano: this.abs(endNs), name: 'exception', droppedAttributesCount: 0, attributes: exceptionAttributes(this.rng, inst.service.lang, name) });
    if (op.protocol === 'grpc' && inst.service.lang === 'go' && this.rng.chance(0.2)) {
      for (const [i, type] of ['RECEIVED', 'SENT'].entries()) {
        events.push({ timeUnixNano: this.abs(i === 0 ? startNs : endNs), name: 'message', droppedAttributesCount: 0, attributes: [{ key: 'message.type', value: av.string(type) }, { key: 'message.id', value: av.int(1) }, { key: 'message.uncompressed_size', value: av.int(this.rng.int(20, 4000)) }] });
      }
    }
    return events;
  }

  private linksToRecentMessages(): SpanLink[] {
    const n = Math.min(this.recentProducers.length, this.rng.int(1, 5));
    const links: SpanLink[] = [];
    for (let i = 0; i < n; i++) {
      const ref = this.recentProducers[this.rng.int(0, this.recentProducers.length - 1)];
      links.push({ traceId: ref.traceId, spanId: ref.spanId, traceState: '', flags: 0x101, droppedAttributesCount: 0, attributes: [{ key: 'messaging.operation.type', value: av.string('receive') }] });
    }
    return links;
  }

  private rememberProducer(spanId: Uint8Array): void {
    this.recentProducers.push({ traceId: this.traceId, spanId });
    if (this.recentProducers.length > 64) this.recentProducers.shift();
  }

  private abs(relNs: number): bigint {
    return this.startNs + BigInt(Math.round(relNs));
  }

  private push(inst: Instance, category: SpanCategory, s: {
    spanId: Uint8Array; parent: Uint8Array; name: string; kind: SpanKind; startNs: number; endNs: number; attributes: KeyValue[];
    error: boolean; links?: SpanLink[]; events?: SpanEvent[]; remoteParent?: boolean;
  }): void {
    const span: Span = {
      traceId: this.traceId, spanId: s.spanId, parentSpanId: s.parent, traceState: '', flags: s.remoteParent ? FLAGS_REMOTE : FLAGS_LOCAL,
      name: s.name, kind: s.kind, startTimeUnixNano: this.abs(s.startNs), endTimeUnixNano: this.abs(s.endNs),
      attributes: s.attributes, droppedAttributesCount: 0, events: s.events ?? [], droppedEventsCount: 0, links: s.links ?? [], droppedLinksCount: 0,
      status: s.error ? { code: 2, message: s.kind === 3 ? 'downstream call failed' : 'request failed' } : { code: 0, message: '' },
    };
    this.emit({ span, instance: inst, category, endMs: s.endNs / MS });
  }
}

/** Consumers of each Kafka topic: the service whose operation is a `kafka` operation on it. */
const SERVICES_CONSUMING: ReadonlyMap<string, ServiceDef> = new Map(
  [...SERVICE_BY_NAME.values()].flatMap((svc) => Object.values(svc.ops).filter((op) => op.protocol === 'kafka').map((op) => [op.target, svc] as const)),
);
