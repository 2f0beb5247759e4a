// GET /api/traces/{id} (v1) and /api/v2/traces/{id}: Tempo's shapes. v1 answers
// {"batches":[...]} or 404; v2 answers {"trace":{...}} with status PARTIAL and a message when the
// trace was cut or a block was unreadable. Protobuf responses come with the Grafana work.
import { tracesDataToJson } from '@spanbase/otlp';
import type { FastifyInstance } from '@spanbase/server';
import { tenantFromHeader } from '@spanbase/server';
import { TraceNotFound, TraceTooLarge } from './errors.ts';
import { timeRangeParams, traceIdParam } from './params.ts';
import { findTraceById } from './trace-by-id.ts';
import type { TraceSource } from './trace-source.ts';

/** What the trace routes need. */
export interface TraceRoutesOptions {
  /** Live data first, then blocks. */
  sources: () => readonly TraceSource[];
  multitenancy: boolean;
  maxBytesPerTrace: number;
}

/** Registers the trace-by-id routes. */
export function registerTraceRoutes(app: FastifyInstance, opts: TraceRoutesOptions): void {
  app.get<{ Params: { id: string }; Querystring: Record<string, string> }>('/api/traces/:id', async (req) => {
    const tenant = tenantFromHeader(req.headers['x-scope-orgid'], opts.multitenancy);
    const id = traceIdParam(req.params.id);
    const range = timeRangeParams(req.query);
    const r = await findTraceById(opts.sources(), tenant, id, range, opts.maxBytesPerTrace);
    if (!r.trace) throw TraceNotFound(`trace not found: ${req.params.id}`);
    if (r.tooLarge) throw TraceTooLarge(`trace exceeds the maximum size of ${opts.maxBytesPerTrace} bytes (--query.max-bytes-per-trace)`);
    const json = tracesDataToJson(r.trace, { ids: 'base64' }) as { resourceSpans?: unknown[] };
    return { batches: json.resourceSpans ?? [] };
  });

  app.get<{ Params: { id: string }; Querystring: Record<string, string> }>('/api/v2/traces/:id', async (req, reply) => {
    const tenant = tenantFromHeader(req.headers['x-scope-orgid'], opts.multitenancy);
    const id = traceIdParam(req.params.id);
    const range = timeRangeParams(req.query);
    const r = await findTraceById(opts.sources(), tenant, id, range, opts.maxBytesPerTrace);
    if (!r.trace) throw TraceNotFound(`trace not found: ${req.params.id}`);
    const body: Record<string, unknown> = { trace: tracesDataToJson(r.trace, { ids: 'base64' }), metrics: { inspectedBytes: String(r.bytes) } };
    if (r.partial) {
      body.status = 'PARTIAL';
      body.message = r.message;
    }
    return reply.send(body);
  });
}
