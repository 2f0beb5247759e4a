import { createError } from '@spanbase/model';

/** X-Scope-OrgID is missing while multitenancy is enabled. */
export const TenantMissing = createError('SRV_ERR_TENANT_MISSING', 401);
/** X-Scope-OrgID holds characters or a length Spanbase does not accept. */
export const TenantInvalid = createError('SRV_ERR_TENANT_INVALID', 400);
/** A query or path parameter is malformed. */
export const BadParameter = createError('SRV_ERR_BAD_PARAMETER', 400);
/** The request body is larger than allowed. */
export const BodyTooLarge = createError('SRV_ERR_BODY_TOO_LARGE', 413);
/** The request body's content type is not one the endpoint understands. */
export const UnsupportedMediaType = createError('SRV_ERR_UNSUPPORTED_MEDIA_TYPE', 415);
/** Something unexpected failed; details are in the logs. */
export const Internal = createError('SRV_ERR_INTERNAL', 500);
/** The request line is longer than the server reads, or a path parameter (a trace id, a tag name) longer than 1024 characters. */
export const UriTooLong = createError('SRV_ERR_URI_TOO_LONG', 414);
/** The request's headers (with its request line) are larger than the server reads (16 KiB). */
export const HeadersTooLarge = createError('SRV_ERR_HEADERS_TOO_LARGE', 431);
/** The request is not valid HTTP, or its URL path is not valid percent-encoding. */
export const MalformedRequest = createError('SRV_ERR_MALFORMED_REQUEST', 400);
/** The client closed the connection before the answer was ready (nobody reads the status; logs and metrics do). */
export const ClientClosed = createError('SRV_ERR_CLIENT_CLOSED', 499);
/** The server is shutting down: a query still running was stopped so the process can exit. */
export const ShuttingDown = createError('SRV_ERR_SHUTTING_DOWN', 503);
