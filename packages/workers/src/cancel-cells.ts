// Cancelling a job that runs in another thread. An abort message reaches a worker only when its
// event loop is free, and a job spinning in a synchronous loop (decoding a row group, evaluating
// one trace after another) never frees it. So every job slot also has a cell in shared memory the
// main thread sets; the fetch and evaluation loops already call `signal.throwIfAborted()` (or read
// `signal.aborted`) for every trace and row group, and the signal a worker hands its job reads
// the cell right there.

/** Main side: one cell per job slot, in memory the workers share. */
export function cancelCells(slots: number): Int32Array {
  return new Int32Array(new SharedArrayBuffer(Math.max(1, slots) * 4));
}

const nativeAborted = Object.getOwnPropertyDescriptor(AbortSignal.prototype, 'aborted')!.get!;
const nativeThrowIfAborted = AbortSignal.prototype.throwIfAborted;

/** A job's signal in a worker and the way to abort it from a message. */
export interface SlotSignal {
  /** Aborted at its next check once the slot's cell is set, or at once by `abort`. */
  readonly signal: AbortSignal;
  /** Aborts now (the abort message arrived while the job waited for I/O). */
  abort(): void;
}

/** Worker side: the signal of the job in `slot`; `reason` makes the abort reason. */
export function slotSignal(cells: Int32Array, slot: number, reason: () => unknown): SlotSignal {
  const ac = new AbortController();
  const signal = ac.signal;
  const abort = () => {
    if (!nativeAborted.call(signal)) ac.abort(reason());
  };
  const poll = () => {
    if (Atomics.load(cells, slot) !== 0) abort();
  };
  // Own properties shadow AbortSignal's accessors: checks read the cell, listeners still fire.
  Object.defineProperties(signal, {
    aborted: {
      get() {
        poll();
        return nativeAborted.call(signal);
      },
    },
    throwIfAborted: {
      value() {
        poll();
        nativeThrowIfAborted.call(signal);
      },
    },
  });
  return { signal, abort };
}
