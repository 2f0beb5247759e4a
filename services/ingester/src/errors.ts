import { createError } from '@spanbase/model';

/** The ingester holds as much unflushed data as --ingester.max-live-bytes allows. */
export const LiveBytesExceeded = createError('ING_ERR_LIVE_BYTES_EXCEEDED', 429);
/** The process uses more memory than --memory.budget allows. */
export const MemoryBudgetExceeded = createError('ING_ERR_MEMORY_BUDGET_EXCEEDED', 429);
/** The ingester is starting (replaying its WAL) or stopping. */
export const IngesterUnavailable = createError('ING_ERR_UNAVAILABLE', 503);
