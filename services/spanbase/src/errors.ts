// Named errors of the binary's own routes (STYLE rule 8); docs/errors.md lists them.
import { createError } from '@spanbase/model';

/** `GET /api/usage` while another usage report is being computed. */
export const UsageBusy = createError('SB_ERR_USAGE_BUSY', 429);
