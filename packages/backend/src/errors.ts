// Named errors of the object-store layer (STYLE rule 8). Aborts are not wrapped: an aborted
// operation rejects with its signal's reason, as the contract promises.
import { createError } from '@spanbase/model';

/** A key (or list prefix) is empty, absolute, has `.`/`..`/empty segments or reserved names. */
export const StoreBadKey = createError('STORE_ERR_BAD_KEY', 400);
/** A local filesystem operation failed; `cause` holds the Node error. */
export const StoreIo = createError('STORE_ERR_IO', 500);
/** An S3 request failed; `cause` holds the SDK error (with `$metadata.httpStatusCode`). */
export const StoreRequest = createError('STORE_ERR_REQUEST', 502);
/** A streamed body would need more parts than S3 allows (10,000). */
export const StoreTooLarge = createError('STORE_ERR_TOO_LARGE', 500);
/** `createObjectStore` was given a config it cannot build a store from. */
export const StoreConfig = createError('STORE_ERR_CONFIG', 500);
