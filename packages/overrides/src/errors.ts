// Named errors of per-tenant overrides (STYLE rule 8); docs/errors.md lists them.
import { createError } from '@spanbase/model';

/** A retention rule (flag or overrides file) is not `<TraceQL spanset query> <duration>`. */
export const OverridesBadRule = createError('OVR_ERR_BAD_RULE', 400);
/** The overrides file cannot be read or holds an unknown key or a bad value. */
export const OverridesBadFile = createError('OVR_ERR_BAD_OVERRIDES', 400);
