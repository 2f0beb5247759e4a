// A read made once and shared by every caller that asks while it is in flight (a block's index,
// footer, statistics, needle filters). Each caller's signal ends only its own wait: the read
// itself is cancelled only once every caller waiting on it has given up. Tying the shared read to
// its first caller's signal made one cancelled job fail every other job waiting on the same
// read (a search that timed out failed the next search of the block, which then answered
// complete without it).

/** Aborts when `signal` does, by rejecting with its reason. */
type Start<T> = (signal: AbortSignal) => Promise<T>;

interface InFlight<T> {
  promise: Promise<T>;
  controller: AbortController;
  /** Callers waiting that may still give up; a caller without a signal never does. */
  waiters: number;
  /** A caller without a signal waits: the read is never cancelled. */
  pinned: boolean;
}

/** One read, made on first use and kept once it succeeds; a failed read is made again by the next caller. */
export class SharedRead<T> {
  private readonly start: Start<T>;
  private value: { v: T } | undefined;
  private flight: InFlight<T> | undefined;

  constructor(start: Start<T>) {
    this.start = start;
  }

  /** The value; rejects with the signal's reason when it aborts first (the read goes on for others). */
  get(signal?: AbortSignal): Promise<T> {
    if (this.value) return Promise.resolve(this.value.v);
    if (signal?.aborted) return Promise.reject(signal.reason);
    const f = this.flight ?? this.begin();
    if (!signal) {
      f.pinned = true;
      return f.promise;
    }
    f.waiters++;
    return new Promise<T>((resolve, reject) => {
      const onAbort = () => {
        f.waiters--;
        if (f.waiters === 0 && !f.pinned) {
          // Whoever asks next starts afresh rather than joining a read being cancelled.
          if (this.flight === f) this.flight = undefined;
          f.controller.abort(signal.reason);
        }
        reject(signal.reason);
      };
      signal.addEventListener('abort', onAbort, { once: true });
      f.promise.then(
        (v) => {
          signal.removeEventListener('abort', onAbort);
          resolve(v);
        },
        (err: unknown) => {
          signal.removeEventListener('abort', onAbort);
          reject(err);
        },
      );
    });
  }

  private begin(): InFlight<T> {
    const controller = new AbortController();
    const f: InFlight<T> = { promise: undefined as unknown as Promise<T>, controller, waiters: 0, pinned: false };
    f.promise = this.start(controller.signal).then(
      (v) => {
        this.value = { v };
        if (this.flight === f) this.flight = undefined;
        return v;
      },
      (err: unknown) => {
        if (this.flight === f) this.flight = undefined;
        throw err;
      },
    );
    // Rejections reach the callers; the shared promise itself is not left unhandled.
    f.promise.catch(() => undefined);
    this.flight = f;
    return f;
  }
}
