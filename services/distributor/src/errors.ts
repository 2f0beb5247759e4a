import { createError } from '@spanbase/model';

/** The tenant is over its ingestion rate (--ingestion.rate-limit-bytes). */
export const RateLimited = createError('DIST_ERR_RATE_LIMITED', 429);
/** The request's content encoding is not gzip or identity. */
export const UnsupportedEncoding = createError('DIST_ERR_UNSUPPORTED_ENCODING', 415);
/** The request body (after decompression) is over --distributor.max-recv-msg-size. */
export const MessageTooLarge = createError('DIST_ERR_MESSAGE_TOO_LARGE', 413);
/** A remote ingester cannot be reached or is not ready; the client should retry. */
export const IngesterUnreachable = createError('DIST_ERR_INGESTER_UNREACHABLE', 503);
/** A remote ingester is at its memory limit. */
export const IngesterBusy = createError('DIST_ERR_INGESTER_BUSY', 429);
/** A remote ingester failed the push. */
export const IngesterFailed = createError('DIST_ERR_INGESTER_FAILED', 502);
/** The request body does not match its Content-Length. */
export const MalformedBody = createError('DIST_ERR_MALFORMED_BODY', 400);
/** A Zipkin request body is not valid Zipkin v2 JSON or proto3, or a span in it lacks a valid id. */
export const ZipkinMalformed = createError('DIST_ERR_ZIPKIN_MALFORMED', 400);
