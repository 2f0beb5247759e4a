// Rejected OTLP requests are logged, so an operator can tell why a client's spans never arrive
// (a bad id, a wrong content type, an oversized batch): the client sees the error, the operator
// otherwise sees nothing. A misconfigured client keeps retrying, so the log is rate-limited: per
// protocol, status and error code at most one line per interval, which says how many rejections
// of that kind it stands for. 429 (back-pressure, counted in metrics) and 5xx (logged as errors
// where they happen) are not client mistakes and are left out.
import type { Logger } from '@spanbase/server';

/** One rejected request. */
export interface Rejection {
  /** `http` or `grpc`. */
  protocol: string;
  /** The HTTP status answered (gRPC: the status the error maps from). */
  status: number;
  /** The error's code (`OTLP_ERR_BAD_TRACE_ID`, ...), when it has one. */
  code?: string;
  /** The message the client got. */
  message: string;
  /** The tenant, when known. */
  tenant?: string;
  /** The client's address. */
  remote?: string;
}

/** Logs rejected requests at warn, at most once per kind per interval. */
export class RejectionLog {
  private readonly kinds = new Map<string, { last: number; since: number }>();
  private readonly log: Logger;
  private readonly intervalMs: number;
  private readonly now: () => number;

  constructor(log: Logger, intervalMs = 10_000, now: () => number = Date.now) {
    this.log = log;
    this.intervalMs = intervalMs;
    this.now = now;
  }

  /** Notes a rejection; logs it unless one of its kind was logged within the interval. */
  reject(r: Rejection): void {
    if (r.status < 400 || r.status >= 500 || r.status === 429) return;
    const key = `${r.protocol} ${r.status} ${r.code ?? ''}`;
    const t = this.now();
    const kind = this.kinds.get(key);
    if (kind && t - kind.last < this.intervalMs) {
      kind.since++;
      return;
    }
    const rejected = (kind?.since ?? 0) + 1;
    this.kinds.set(key, { last: t, since: 0 });
    this.log.warn({ ...r, rejected, intervalMs: this.intervalMs }, `OTLP request rejected with ${r.status}: ${r.message}${rejected > 1 ? ` (${rejected} such rejections since the last line)` : ''}`);
  }
}
