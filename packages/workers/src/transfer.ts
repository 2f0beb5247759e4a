// A job's result can move buffers back rather than copy them. A metrics partial holds thousands
// of number arrays (a series per span id at 1 s steps: about 10 MB per block); structured-cloned,
// each was copied once more on the receiving thread, which is the one that acknowledges ingest.

const lists = new WeakMap<object, ArrayBuffer[]>();

/**
 * Marks `value` (a job's result) to be posted with `buffers` moved, not copied. The worker must
 * not read them afterwards. Only whole, unshared ArrayBuffers belong in the list.
 */
export function transferring<T extends object>(value: T, buffers: readonly ArrayBuffer[]): T {
  if (buffers.length > 0) lists.set(value, [...buffers]);
  return value;
}

/** The buffers a result was marked with (see transferring), if any. */
export function transferListOf(value: unknown): ArrayBuffer[] | undefined {
  return typeof value === 'object' && value !== null ? lists.get(value) : undefined;
}
