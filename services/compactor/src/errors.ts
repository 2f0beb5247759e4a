// Named errors of the compactor (STYLE rule 8); docs/errors.md lists them.
import { createError } from '@spanbase/model';

/** The window lease of a job was taken over or expired; the job stops before publishing. */
export const CompactorLeaseLost = createError('CMP_ERR_LEASE_LOST', 409);
/** An input of a job was compacted or expired by someone else; the job stops before publishing. */
export const CompactorInputGone = createError('CMP_ERR_INPUT_GONE', 409);
