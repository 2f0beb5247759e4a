// Named errors of the block layer (STYLE rule 8). Readers contain damage (../damage.ts): these
// reach a caller only for what could not be worked around (a damaged row group, an unreadable
// block), which skips that part, counts it, and reports the answer as partial.
import { createError } from '@spanbase/model';

/** Bytes read from a block object do not match the checksum recorded for them. */
export const BlockChecksum = createError('BLK_ERR_CHECKSUM', 500);
/** A block object is malformed (bad magic, truncated, inconsistent with meta.json). */
export const BlockFormat = createError('BLK_ERR_FORMAT', 500);
/** meta.json names a format no reader is registered for. */
export const BlockUnknownFormat = createError('BLK_ERR_UNKNOWN_FORMAT', 500);
/** An object meta.json lists is missing from the store. */
export const BlockMissingObject = createError('BLK_ERR_MISSING_OBJECT', 500);
/** A writer or reader was given options it cannot use. */
export const BlockBadOptions = createError('BLK_ERR_BAD_OPTIONS', 400);
/** Traces or spans given to a writer break its rules (order, id lengths, mixed trace ids). */
export const BlockBadInput = createError('BLK_ERR_BAD_INPUT', 400);
/** A block writer was used after finish() or abort(), or after a failed write. */
export const BlockWriterClosed = createError('BLK_ERR_WRITER_CLOSED', 500);
