// Traces of many row groups in descending start order, produced lazily: traces are counted into
// time buckets (about 32 traces each) and a bucket is sorted only when it is reached, so taking
// the newest 20 traces of a block costs one pass over the starts and a sort of a bucket or two.
// Ties (same start) go by row group, then by trace, as the row-group order would give them.
// Typed arrays throughout: a block holds tens of thousands of traces.

/** A position in the order: which traces come after it. */
export interface TracePosition {
  /** True when the trace (start halves, group, trace) comes after this position. */
  before(hi: number, lo: number, group: number, trace: number): boolean;
}

/** Collects traces with their starts, then hands them out newest first. */
export class NewestTraces {
  /** Row group (index into the caller's list) of trace i. */
  readonly group: Int32Array;
  /** Trace number within its row group of trace i. */
  readonly trace: Int32Array;
  private readonly hi: Uint32Array;
  private readonly lo: Uint32Array;
  private n = 0;
  private members: Int32Array | undefined;
  private starts: Int32Array | undefined;
  private bucket = -1;
  private sorted: number[] = [];
  private at = 0;

  constructor(capacity: number) {
    this.group = new Int32Array(capacity);
    this.trace = new Int32Array(capacity);
    this.hi = new Uint32Array(capacity);
    this.lo = new Uint32Array(capacity);
  }

  /** Adds a trace starting at the unsigned 64-bit time hi·2^32 + lo. */
  add(group: number, trace: number, hi: number, lo: number): void {
    const i = this.n++;
    this.group[i] = group;
    this.trace[i] = trace;
    this.hi[i] = hi;
    this.lo[i] = lo;
  }

  /** The position of trace i (as next() returned it): traces after it in the order are older, or tied and later. */
  cutoff(i: number): TracePosition {
    const h = this.hi[i];
    const l = this.lo[i];
    const g = this.group[i];
    const t = this.trace[i];
    return { before: (hi, lo, group, trace) => (hi !== h ? hi < h : lo !== l ? lo < l : group !== g ? group > g : trace > t) };
  }

  /** Number of traces added. */
  get size(): number {
    return this.n;
  }

  private bucketize(): void {
    const n = this.n;
    const { hi, lo } = this;
    // Approximate keys place traces in buckets (rounding keeps their order); within a bucket the order is exact.
    const key = new Float64Array(n);
    let min = Infinity;
    let max = -Infinity;
    for (let i = 0; i < n; i++) {
      const k = (key[i] = hi[i] * 4294967296 + lo[i]);
      if (k < min) min = k;
      if (k > max) max = k;
    }
    const buckets = Math.max(1, Math.ceil(n / 32));
    const scale = buckets / (max - min || 1);
    const of = new Int32Array(n);
    const starts = new Int32Array(buckets + 1);
    for (let i = 0; i < n; i++) {
      const b = Math.min(buckets - 1, Math.floor((key[i] - min) * scale));
      of[i] = b;
      starts[b + 1]++;
    }
    for (let b = 0; b < buckets; b++) starts[b + 1] += starts[b];
    const fill = starts.slice(0, buckets);
    const members = new Int32Array(n);
    for (let i = 0; i < n; i++) members[fill[of[i]]++] = i;
    this.members = members;
    this.starts = starts;
    this.bucket = buckets;
  }

  /** The next trace (an index into `group` and `trace`), newest first; -1 when all are out. */
  next(): number {
    if (this.bucket < 0) this.bucketize();
    while (this.at >= this.sorted.length) {
      if (--this.bucket < 0) return -1;
      const { hi, lo, group, trace } = this;
      this.sorted = Array.from(this.members!.subarray(this.starts![this.bucket], this.starts![this.bucket + 1])).sort((a, b) =>
        hi[a] !== hi[b] ? hi[b] - hi[a] : lo[a] !== lo[b] ? lo[b] - lo[a] : group[a] !== group[b] ? group[a] - group[b] : trace[a] - trace[b],
      );
      this.at = 0;
    }
    return this.sorted[this.at++];
  }
}
