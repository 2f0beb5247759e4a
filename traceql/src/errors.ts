// Error codes of the TraceQL engine. The first three are the user's to fix (HTTP 400), but they
// say different things: PARSE is "this is not TraceQL", TYPE is "this is TraceQL that cannot mean
// anything" and UNSUPPORTED is "this is valid TraceQL that Spanbase does not run (yet)".
// RESULT_TOO_LARGE is a valid query whose answer would outgrow the bound the caller set.
import { createError } from '@spanbase/model';

/** The query text is not TraceQL: bad token, bad syntax, wrong shape of pipeline. */
export const TqlParseError = createError('TQL_ERR_PARSE', 400);
/** The query parses but is invalid: operand types, regexes, arguments. */
export const TqlTypeError = createError('TQL_ERR_TYPE', 400);
/** The query is valid TraceQL that this engine does not support. */
export const TqlUnsupportedError = createError('TQL_ERR_UNSUPPORTED', 400);

/** A search's answer would be larger than the caller's bound (SearchOptions.maxResultBytes). */
export const TqlResultTooLarge = createError('TQL_ERR_RESULT_TOO_LARGE', 422);

/** Every error code this package can raise, for docs/errors.md. */
export const TQL_ERROR_CODES = [TqlParseError.code, TqlTypeError.code, TqlUnsupportedError.code, TqlResultTooLarge.code] as const;

/** One of the codes above. */
export type TqlErrorCode = (typeof TQL_ERROR_CODES)[number];
