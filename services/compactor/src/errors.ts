// Named errors of the compactor (STYLE rule 8); docs/errors.md lists them.
import { createError } from '@spanbase/model';

/** A retention rule (flag or overrides file) is not `<TraceQL spanset query> <duration>`. */
export const CompactorBadRule = createError('CMP_ERR_BAD_RULE', 400);
/** The overrides file cannot be read or holds an unknown key or a bad value. */
export const CompactorBadOverrides = createError('CMP_ERR_BAD_OVERRIDES', 400);
/** The window lease of a job was taken over or expired; the job stops before publishing. */
export const CompactorLeaseLost = createError('CMP_ERR_LEASE_LOST', 409);
/** An input of a job was compacted or expired by someone else; the job stops before publishing. */
export const CompactorInputGone = createError('CMP_ERR_INPUT_GONE', 409);
