// Named errors of the OTLP codec. All are client errors (HTTP 400): the request is rejected as a
// whole and the message names the offending field path, e.g.
// `resource_spans[0].scope_spans[1].spans[3].trace_id: must be 16 bytes, got 15`.
import { createError, isSpanbaseError } from '@spanbase/model';
import type { ErrorFactory, SpanbaseError } from '@spanbase/model';

/** The bytes or JSON are not a well-formed OTLP message. */
export const OTLP_ERR_MALFORMED = createError('OTLP_ERR_MALFORMED', 400);
/** A span's trace id is not 16 bytes or is all zero. */
export const OTLP_ERR_BAD_TRACE_ID = createError('OTLP_ERR_BAD_TRACE_ID', 400);
/** A span id is not 8 bytes or is all zero, or a parent span id is neither empty nor 8 bytes. */
export const OTLP_ERR_BAD_SPAN_ID = createError('OTLP_ERR_BAD_SPAN_ID', 400);

/**
 * A failure found deep inside a message. Each enclosing level prepends its path segment on the
 * way out (see `rethrowAt`), so the happy path pays nothing for path tracking; the public entry
 * points turn it into a named error with `toNamedError`.
 */
export class PathError extends Error {
  /** Which named error this becomes. */
  readonly factory: ErrorFactory;
  /** What is wrong, without the path. */
  readonly reason: string;
  /** Field path segments, outermost first. */
  readonly path: string[] = [];

  constructor(factory: ErrorFactory, reason: string) {
    super(reason);
    this.factory = factory;
    this.reason = reason;
  }
}

/** Throws a malformed-input failure at the current position. */
export function malformed(reason: string): never {
  throw new PathError(OTLP_ERR_MALFORMED, reason);
}

/** Adds `segment` to the path of a PathError and rethrows; other errors pass through. */
export function rethrowAt(err: unknown, segment: string): never {
  if (err instanceof PathError && segment !== '') err.path.unshift(segment);
  throw err;
}

/**
 * The error an entry point throws: a PathError becomes its named error with the path in front
 * of the message; a named error passes through; anything else (a bug, or input we failed to
 * anticipate) becomes OTLP_ERR_MALFORMED with the original as `cause`, so callers only ever see
 * named errors.
 */
export function toNamedError(err: unknown): SpanbaseError {
  if (err instanceof PathError) {
    const where = joinPath(err.path);
    return err.factory(where === '' ? err.reason : `${where}: ${err.reason}`);
  }
  if (isSpanbaseError(err)) return err;
  const message = err instanceof Error ? err.message : String(err);
  return OTLP_ERR_MALFORMED(`cannot decode: ${message}`, { cause: err });
}

function joinPath(path: readonly string[]): string {
  let out = '';
  for (const seg of path) out += out === '' || seg.startsWith('[') ? seg : '.' + seg;
  return out;
}
