// GET /api/traces/{id} (v1) and /api/v2/traces/{id}: Tempo's shapes, in protobuf when the Accept
// header asks for it (Grafana's trace view always does) and protobuf-JSON otherwise.
//   v1: Trace / {"batches":[...]}; 404 when unknown (naming blocks that could not be read); 422
//       when over --query.max-bytes-per-trace.
//   v2: TraceByIDResponse / {"trace":{...},"metrics":{...}}; PARTIAL with a message when the
//       trace was cut or a block was unreadable. An unknown trace is a 200 with an empty trace,
//       as Tempo answers: Grafana reports it as "not found" without a second lookup on v1 (it
//       retries v1 only on a v2 404). docs/grafana.md explains the choice.
import { tracesDataToJson } from '@spanbase/otlp';
import type { FastifyInstance, FastifyReply, FastifyRequest } from '@spanbase/server';
import { querySignal } from './query-signal.ts';
import { tenantFromHeader } from '@spanbase/server';
import { TraceNotFound, TraceTooLarge } from './errors.ts';
import { timeRangeParams, traceIdParam } from './params.ts';
import { findTraceById } from '@spanbase/query';
import type { TraceByIdResult } from '@spanbase/query';
import type { TraceSource } from '@spanbase/query';
import { PROTOBUF_MEDIA_TYPE, acceptsProtobuf, encodeTraceByIdResponse } from './tempopb.ts';

/** What the trace routes need. */
export interface TraceRoutesOptions {
  /** Live data first, then blocks. */
  sources: () => readonly TraceSource[];
  multitenancy: boolean;
  /** A tenant's --query.max-bytes-per-trace (flag, or the overrides file). */
  maxBytesPerTrace: (tenant: string) => number;
  /** --query.timeout, ms. */
  timeoutMs: number;
}

type TraceRequest = { Params: { id: string }; Querystring: Record<string, string> };

function sendProtobuf(reply: FastifyReply, bytes: Uint8Array): FastifyReply {
  return reply.type(PROTOBUF_MEDIA_TYPE).send(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength));
}

/** The v2 body as protobuf-JSON; zero values left out, as Tempo's jsonpb does. */
function v2Json(r: TraceByIdResult): Record<string, unknown> {
  const body: Record<string, unknown> = {
    trace: r.trace ? tracesDataToJson(r.trace, { ids: 'base64' }) : {},
    metrics: r.bytes > 0 ? { inspectedBytes: String(r.bytes) } : {},
  };
  if (r.partial) body.status = 'PARTIAL';
  if (r.message !== '') body.message = r.message;
  return body;
}

/** Registers the trace-by-id routes. */
export function registerTraceRoutes(app: FastifyInstance, opts: TraceRoutesOptions): void {
  const lookup = async (req: FastifyRequest<TraceRequest>) => {
    const tenant = tenantFromHeader(req.headers['x-scope-orgid'], opts.multitenancy);
    const id = traceIdParam(req.params.id);
    const range = timeRangeParams(req.query);
    const maxBytes = opts.maxBytesPerTrace(tenant);
    const { signal, done } = querySignal(req, opts.timeoutMs);
    try {
      const r = await findTraceById(opts.sources(), tenant, id, range, maxBytes, signal);
      signal.throwIfAborted();
      return { ...r, maxBytes };
    } finally {
      done();
    }
  };

  app.get<TraceRequest>('/api/traces/:id', async (req, reply) => {
    const r = await lookup(req);
    // v1 has no PARTIAL: a trace that may be in a block that could not be read says so in the 404.
    if (!r.trace) throw TraceNotFound(`trace not found: ${req.params.id}${r.partial ? ` (${r.message}; it may be there: try again)` : ''}`);
    if (r.tooLarge) throw TraceTooLarge(`trace exceeds the maximum size of ${r.maxBytes} bytes (--query.max-bytes-per-trace)`);
    if (acceptsProtobuf(req.headers.accept)) return sendProtobuf(reply, r.encoded);
    const json = tracesDataToJson(r.trace, { ids: 'base64' }) as { resourceSpans?: unknown[] };
    return reply.send({ batches: json.resourceSpans ?? [] });
  });

  app.get<TraceRequest>('/api/v2/traces/:id', async (req, reply) => {
    const r = await lookup(req);
    if (acceptsProtobuf(req.headers.accept)) {
      return sendProtobuf(reply, encodeTraceByIdResponse({ trace: r.encoded, inspectedBytes: r.bytes, partial: r.partial, message: r.message }));
    }
    return reply.send(v2Json(r));
  });
}
