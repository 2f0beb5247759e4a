// The Zipkin receiver: POST /api/v2/spans (JSON or proto3) and /api/v1/spans (JSON v1, the
// subset Zipkin's v1 reporters send) on the Zipkin port, answered 202 as Zipkin answers. Spans are
// translated to the span model, then go through the distributor like OTLP requests do: the
// tenant's rate limit, validation, the WAL and the ingesters.
import { encodeTracesData } from '@spanbase/otlp';
import { UnsupportedMediaType, tenantFromHeader } from '@spanbase/server';
import type { FastifyInstance, Logger } from '@spanbase/server';
import type { Distributor } from '../distributor.ts';
import { decodeBody } from '../otlp-http.ts';
import { readBody } from '../read-body.ts';
import { decodeZipkinJson } from './zipkin-json.ts';
import { decodeZipkinProto } from './zipkin-proto.ts';
import type { ZipkinSpan } from './zipkin-span.ts';
import { zipkinToTracesData } from './zipkin-translate.ts';
import { decodeZipkinV1Json } from './zipkin-v1.ts';

/** Receiver settings. */
export interface ZipkinReceiverOptions {
  distributor: Distributor;
  logger: Logger;
  /** --distributor.max-recv-msg-size. */
  maxRecvMsgSize: number;
  multitenancy: boolean;
  /** --zipkin.parse-string-tags. */
  parseStringTags: boolean;
}

const PROTO_TYPES = ['application/x-protobuf', 'application/protobuf'];

function mediaType(contentType: string | undefined): string {
  return (contentType ?? '').split(';')[0].trim().toLowerCase();
}

/** Adds the Zipkin span routes to `app` (the Zipkin port, which also carries the query API). */
export function registerZipkinReceiver(app: FastifyInstance, opts: ZipkinReceiverOptions): void {
  // Bodies arrive as raw bytes; the route decides what they are, so a wrong type is a clear 415.
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('*', (req, payload, done) => {
    readBody(payload, req.headers['content-length'], opts.maxRecvMsgSize).then((body) => done(null, body), (err: Error) => done(err, undefined));
  });
  const receive = (version: 1 | 2) => async (req: { headers: Record<string, string | string[] | undefined>; body: unknown }, reply: { code(n: number): { send(): unknown } }) => {
    const started = performance.now();
    let outcome = 'error';
    try {
      const type = mediaType(req.headers['content-type'] as string | undefined);
      const proto = version === 2 && PROTO_TYPES.includes(type);
      // Zipkin's reporters send JSON without a type now and then; an absent type is read as JSON.
      if (!proto && type !== 'application/json' && type !== '') {
        throw UnsupportedMediaType(`unsupported Content-Type "${req.headers['content-type']}": send application/json${version === 2 ? ' or application/x-protobuf' : ''}`);
      }
      const tenant = tenantFromHeader(req.headers['x-scope-orgid'], opts.multitenancy);
      const raw = (req.body as Buffer | undefined) ?? Buffer.alloc(0);
      const body = await decodeBody(raw, req.headers['content-encoding'] as string | undefined, opts.maxRecvMsgSize);
      const spans: ZipkinSpan[] = proto ? decodeZipkinProto(body) : version === 2 ? decodeZipkinJson(body) : decodeZipkinV1Json(body);
      if (spans.length > 0) {
        const otlp = encodeTracesData(zipkinToTracesData(spans, { parseStringTags: opts.parseStringTags }));
        await opts.distributor.push(tenant, otlp, 'protobuf');
      }
      outcome = 'ok';
      return reply.code(202).send();
    } finally {
      opts.distributor.pushSeconds.observe({ protocol: 'zipkin', outcome }, (performance.now() - started) / 1000);
    }
  };
  app.post('/api/v2/spans', receive(2));
  app.post('/api/v1/spans', receive(1));
}
