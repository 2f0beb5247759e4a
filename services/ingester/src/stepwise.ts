// Work over a whole head block (tens of thousands of traces) on the thread that acknowledges
// ingest, cut into steps: a step function yields between slices, and `stepwise` lets other
// callbacks (acknowledgements, /ready) run between them, where `finish` runs it in one go.
// Building a block's flush batch, its WAL marker and forgetting its traces took 20-40 ms each in
// one piece, the slowest acknowledgements of a query storm.

/** Traces one step handles. */
export const TRACES_PER_STEP = 2000;

/** Runs the steps with a turn of the event loop between each; resolves with the result. */
export async function stepwise<T>(steps: Generator<void, T>): Promise<T> {
  for (;;) {
    const r = steps.next();
    if (r.done) return r.value;
    await new Promise<void>((resolve) => setImmediate(resolve));
  }
}

/** Runs the steps in one go (tests, and callers that must not yield). */
export function finish<T>(steps: Generator<void, T>): T {
  for (;;) {
    const r = steps.next();
    if (r.done) return r.value;
  }
}
