// One way to make errors, so every failure a user can see has a stable code, a message and the
// HTTP status the API answers with. Each package lists its codes in its own `errors.ts`;
// docs/errors.md lists them all, and a test keeps that list and the code in step.

/** Options for a named error. */
export interface ErrorOptions {
  /** The underlying error, kept for logs. */
  cause?: unknown;
  /** For 429 and 503: when the client may try again, in seconds (sent as Retry-After). */
  retryAfterSeconds?: number;
}

/** An error with a stable code and the HTTP status it maps to. */
export class SpanbaseError extends Error {
  /** Stable identifier, e.g. `OTLP_ERR_BAD_TRACE_ID`. */
  readonly code: string;
  /** HTTP status the API answers with. */
  readonly statusCode: number;
  /** When the client may retry, in seconds; set on rate-limit errors. */
  readonly retryAfterSeconds: number | undefined;

  constructor(code: string, message: string, statusCode: number, options?: ErrorOptions) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'SpanbaseError';
    this.code = code;
    this.statusCode = statusCode;
    this.retryAfterSeconds = options?.retryAfterSeconds;
  }
}

/** A constructor for one kind of named error; call it with the message. */
export interface ErrorFactory {
  (message: string, options?: ErrorOptions): SpanbaseError;
  /** The code every error from this factory carries. */
  readonly code: string;
  /** The HTTP status every error from this factory carries. */
  readonly statusCode: number;
}

/** Declares a named error: `const BadId = createError('OTLP_ERR_BAD_TRACE_ID', 400)`. */
export function createError(code: string, statusCode: number): ErrorFactory {
  const factory = (message: string, options?: ErrorOptions) => new SpanbaseError(code, message, statusCode, options);
  return Object.assign(factory, { code, statusCode });
}

/** True when `err` is a SpanbaseError, optionally from the given factory. */
export function isSpanbaseError(err: unknown, factory?: ErrorFactory): err is SpanbaseError {
  return err instanceof SpanbaseError && (factory === undefined || err.code === factory.code);
}
