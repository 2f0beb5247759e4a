// Routes other processes use to reach an ingester when roles run apart: distributors push
// validated requests, queriers read live traces. They sit on the ingester's API port under
// /internal/ and carry the tenant in X-Scope-OrgID like every other route.
import { encodeTracesData, scanExportRequest } from '@spanbase/otlp';
import { groupSpanRecords, parseTraceIdParam } from '@spanbase/model';
import { BadParameter, validateTenantId } from '@spanbase/server';
import type { FastifyInstance } from '@spanbase/server';
import type { Ingester } from './ingester.ts';

function tenantOf(header: string | string[] | undefined): string {
  const v = Array.isArray(header) ? header[0] : header;
  if (!v) throw BadParameter('internal routes need X-Scope-OrgID');
  return validateTenantId(v);
}

/** Registers /internal/push and /internal/traces/:id. */
export function registerIngesterRoutes(app: FastifyInstance, ingester: Ingester, maxBodyBytes: number): void {
  app.register(async (scope) => {
    scope.removeAllContentTypeParsers();
    scope.addContentTypeParser('*', { parseAs: 'buffer', bodyLimit: maxBodyBytes }, (_req, body, done) => done(null, body));
    scope.post('/internal/push', async (req) => {
      const tenant = tenantOf(req.headers['x-scope-orgid']);
      // Already validated and truncated by the distributor; scanning rebuilds the span index.
      const scan = scanExportRequest(req.body as Buffer);
      return ingester.push(tenant, scan);
    });
    scope.get<{ Params: { id: string } }>('/internal/traces/:id', async (req, reply) => {
      const tenant = tenantOf(req.headers['x-scope-orgid']);
      const id = parseTraceIdParam(req.params.id);
      if (!id) throw BadParameter(`invalid trace id ${req.params.id}`);
      const found = ingester.findTrace(tenant, id);
      if (!found) return reply.code(404).send();
      const bytes = encodeTracesData(groupSpanRecords(found.records));
      return reply.type('application/x-protobuf').send(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength));
    });
  });
}
