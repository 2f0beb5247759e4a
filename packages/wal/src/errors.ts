import { createError } from '@spanbase/model';

/** The WAL could not be written; the request is not acknowledged. */
export const WalWriteFailed = createError('WAL_ERR_WRITE', 503);
/** The WAL is closed (the process is shutting down). */
export const WalClosed = createError('WAL_ERR_CLOSED', 503);
/** A WAL segment is in a format this version cannot read; it is kept, and the process does not start. */
export const WalUnknownFormat = createError('WAL_ERR_FORMAT', 500);
