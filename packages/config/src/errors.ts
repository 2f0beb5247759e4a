import { createError } from '@spanbase/model';

/** A flag or config-file value that cannot be used; the process exits with the message. */
export const ConfigInvalid = createError('CFG_ERR_INVALID', 400);
/** The config file cannot be read or is not valid YAML. */
export const ConfigFileUnreadable = createError('CFG_ERR_FILE', 400);
