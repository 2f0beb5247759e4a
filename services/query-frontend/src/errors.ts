import { createError } from '@spanbase/model';

/** No trace with that id in live data or blocks. */
export const TraceNotFound = createError('QRY_ERR_TRACE_NOT_FOUND', 404);
/** The trace is larger than --query.max-bytes-per-trace (v1 trace-by-id). */
export const TraceTooLarge = createError('QRY_ERR_TRACE_TOO_LARGE', 422);
/** A query parameter is invalid. */
export const BadRequest = createError('QRY_ERR_BAD_REQUEST', 400);
/** A tenant has --query.max-concurrent-per-tenant queries running. */
export const TooManyQueries = createError('QRY_ERR_TOO_MANY_QUERIES', 429);
/** The query ran longer than --query.timeout. */
export const QueryTimeout = createError('QRY_ERR_TIMEOUT', 504);
/** A search's answer would be larger than --query.max-response-bytes. */
export const ResponseTooLarge = createError('QRY_ERR_RESPONSE_TOO_LARGE', 422);
