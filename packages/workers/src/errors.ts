import { createError } from '@spanbase/model';

/** A job's worker ran out of memory, twice: the job needs more than a worker may hold. */
export const WorkerOutOfMemory = createError('WRK_ERR_OUT_OF_MEMORY', 422);
/** A job's worker died for another reason, twice. */
export const WorkerFailed = createError('WRK_ERR_FAILED', 500);
/** The supervisor is closed (shutting down). */
export const WorkerClosed = createError('WRK_ERR_CLOSED', 503);
