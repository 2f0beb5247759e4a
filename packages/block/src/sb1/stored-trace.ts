// A trace of an sb1 block as its decoded columns hold it: rows [from, to) of one row group. The
// merge passes most traces from one input to the output unchanged, and the writer copies such a
// trace's cells column by column (stored-rows.ts) instead of making span records and splitting
// them into columns again.
import type { SpanRecord } from '@spanbase/model';
import type { StoredTrace } from '../format.ts';
import type { DecodedColumns, RowDecoder } from './row-decoder.ts';

/** Traces up to this many spans look for repeated span ids pairwise; longer ones with a set. */
const PAIRWISE_SPANS = 24;

/** A trace of an sb1 block, read, not yet made into records. */
export class Sb1StoredTrace implements StoredTrace {
  readonly traceId: Uint8Array;
  readonly length: number;
  /** The row group's decoded columns. */
  readonly cols: DecodedColumns;
  /** Its first row. */
  readonly from: number;
  /** After its last row. */
  readonly to: number;
  /** The row group's decoder (it shares resources and scopes between rows). */
  readonly decoder: RowDecoder;
  /** The block's extra dedicated columns as meta.json lists them (JSON): rows copy only between equal schemas. */
  readonly dedicated: string;
  private made: SpanRecord[] | undefined;

  constructor(decoder: RowDecoder, cols: DecodedColumns, from: number, to: number, dedicated: string) {
    this.decoder = decoder;
    this.cols = cols;
    this.from = from;
    this.to = to;
    this.dedicated = dedicated;
    this.length = to - from;
    this.traceId = (cols.trace_id[from] as Uint8Array).slice();
  }

  records(): SpanRecord[] {
    if (!this.made) {
      this.made = [];
      for (let r = this.from; r < this.to; r++) this.made.push(this.decoder.record(this.cols, r));
    }
    return this.made;
  }

  hasRepeatedSpans(others: readonly StoredTrace[] = []): boolean {
    // Parts of another kind are not looked into: saying yes sends the trace through its records.
    if (!others.every((o) => o instanceof Sb1StoredTrace)) return true;
    const parts = [this, ...(others as Sb1StoredTrace[])];
    const total = parts.reduce((n, p) => n + p.length, 0);
    if (total > PAIRWISE_SPANS) {
      const seen = new Set<string>();
      for (const p of parts) {
        const ids = p.cols.span_id as Uint8Array[];
        const kinds = p.cols.kind as number[];
        for (let r = p.from; r < p.to; r++) {
          const id = ids[r];
          let k = String.fromCharCode(kinds[r]);
          for (let i = 0; i < id.length; i++) k += String.fromCharCode(id[i]);
          if (seen.has(k)) return true;
          seen.add(k);
        }
      }
      return false;
    }
    const ids: Uint8Array[] = [];
    const kinds: number[] = [];
    for (const p of parts) {
      for (let r = p.from; r < p.to; r++) {
        ids.push(p.cols.span_id[r] as Uint8Array);
        kinds.push(p.cols.kind[r] as number);
      }
    }
    for (let a = 0; a < total; a++) {
      for (let b = a + 1; b < total; b++) {
        if (kinds[a] !== kinds[b]) continue;
        const x = ids[a];
        const y = ids[b];
        if (x.length !== y.length) continue;
        let i = 0;
        while (i < x.length && x[i] === y[i]) i++;
        if (i === x.length) return true;
      }
    }
    return false;
  }
}
