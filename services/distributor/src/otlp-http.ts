// The OTLP/HTTP receiver: POST /v1/traces with protobuf or JSON bodies, gzip or not. Responses
// follow the OTLP specification: an ExportTraceServiceResponse in the request's encoding, and
// errors as a google.rpc.Status with the HTTP status the spec maps the failure to.
import { gunzip } from 'node:zlib';
import { promisify } from 'node:util';
import { encodeExportResponse } from '@spanbase/otlp';
import { isSpanbaseError } from '@spanbase/model';
import { createHttpApp, describeError, tenantFromHeader } from '@spanbase/server';
import type { ErrorRenderer, FastifyInstance } from '@spanbase/server';
import type { Logger } from '@spanbase/server';
import type { Distributor, OtlpEncoding } from './distributor.ts';
import { MessageTooLarge, UnsupportedEncoding } from './errors.ts';
import { readBody } from './read-body.ts';
import { RejectionLog } from './rejection-log.ts';
import { encodeStatusJson, encodeStatusProto, grpcCodeForHttp } from './rpc-status.ts';
import { UnsupportedMediaType } from '@spanbase/server';

const gunzipAsync = promisify(gunzip);

/** Receiver settings. */
export interface OtlpHttpOptions {
  distributor: Distributor;
  logger: Logger;
  maxRecvMsgSize: number;
  multitenancy: boolean;
}

const PROTOBUF_TYPES = ['application/x-protobuf', 'application/protobuf'];

function encodingOf(contentType: string | undefined): OtlpEncoding | undefined {
  const base = (contentType ?? '').split(';')[0].trim().toLowerCase();
  if (PROTOBUF_TYPES.includes(base)) return 'protobuf';
  if (base === 'application/json') return 'json';
  return undefined;
}

function isIdentity(contentEncoding: string | undefined): boolean {
  const enc = (contentEncoding ?? '').trim().toLowerCase();
  return enc === '' || enc === 'identity';
}

/** Decompresses per Content-Encoding, never beyond `max` bytes (a small gzip can expand hugely). */
export async function decodeBody(raw: Buffer, contentEncoding: string | undefined, max: number): Promise<Buffer> {
  if (isIdentity(contentEncoding)) return raw;
  const enc = (contentEncoding ?? '').trim().toLowerCase();
  if (enc !== 'gzip' && enc !== 'x-gzip') throw UnsupportedEncoding(`unsupported Content-Encoding "${contentEncoding}": send gzip or no encoding`);
  try {
    return await gunzipAsync(raw, { maxOutputLength: max });
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ERR_BUFFER_TOO_LARGE') throw MessageTooLarge(`decompressed request body exceeds ${max} bytes (--distributor.max-recv-msg-size)`);
    throw UnsupportedEncoding(`request body is not valid gzip: ${(err as Error).message}`, { cause: err });
  }
}

/** Errors as a google.rpc.Status in the request's encoding; plain text when that is unknown. */
const renderError: ErrorRenderer = (req, status, message) => {
  const enc = encodingOf(req.headers['content-type']);
  const code = grpcCodeForHttp(status);
  if (enc === 'protobuf') return { body: encodeStatusProto(code, message), contentType: 'application/x-protobuf' };
  if (enc === 'json') return { body: encodeStatusJson(code, message), contentType: 'application/json' };
  return { body: message + '\n', contentType: 'text/plain; charset=utf-8' };
};

/** Builds the OTLP/HTTP app (port 4318 by default). */
export function createOtlpHttpApp(opts: OtlpHttpOptions): FastifyInstance {
  const app = createHttpApp({ logger: opts.logger, bodyLimit: opts.maxRecvMsgSize, renderError });
  const rejections = new RejectionLog(opts.logger);
  app.addHook('onError', async (req, _reply, err) => {
    const { status, message } = describeError(err, opts.maxRecvMsgSize);
    const code = isSpanbaseError(err) ? err.code : (err as { code?: string }).code;
    rejections.reject({ protocol: 'http', status, code, message, tenant: req.headers['x-scope-orgid'] as string | undefined, remote: req.ip });
  });
  app.removeAllContentTypeParsers();
  // Every body arrives as raw bytes; the route decides what it is, so a wrong type is a clear 415.
  app.addContentTypeParser('*', (req, payload, done) => {
    // Only a protobuf body that is not compressed is kept as received (JSON is re-encoded, gzip inflated).
    const keep = encodingOf(req.headers['content-type']) === 'protobuf' && isIdentity(req.headers['content-encoding']);
    readBody(payload, req.headers['content-length'], opts.maxRecvMsgSize, keep).then((body) => done(null, body), (err: Error) => done(err, undefined));
  });
  app.post('/v1/traces', async (req, reply) => {
    const started = performance.now();
    const encoding = encodingOf(req.headers['content-type']);
    let outcome = 'error';
    try {
      if (!encoding) {
        throw UnsupportedMediaType(`unsupported Content-Type "${req.headers['content-type'] ?? ''}": send application/x-protobuf or application/json`);
      }
      const tenant = tenantFromHeader(req.headers['x-scope-orgid'], opts.multitenancy);
      const raw = (req.body as Buffer | undefined) ?? Buffer.alloc(0);
      const body = await decodeBody(raw, req.headers['content-encoding'], opts.maxRecvMsgSize);
      const result = await opts.distributor.push(tenant, body, encoding);
      outcome = 'ok';
      const response = encodeExportResponse(
        result.truncatedAttributes > 0 ? { rejectedSpans: 0, errorMessage: `${result.truncatedAttributes} attribute keys or values were truncated to ${'--distributor.max-attribute-bytes'}` } : { rejectedSpans: 0, errorMessage: '' },
        encoding,
      );
      return reply.code(200).type(encoding === 'json' ? 'application/json' : 'application/x-protobuf').send(typeof response === 'string' ? response : Buffer.from(response.buffer, response.byteOffset, response.byteLength));
    } finally {
      opts.distributor.pushSeconds.observe({ protocol: 'http', outcome }, (performance.now() - started) / 1000);
    }
  });
  return app;
}
