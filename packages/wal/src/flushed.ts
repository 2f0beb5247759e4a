// Flush markers: which spans of which records are durable in blocks. A segment is deleted only
// when every span in it is in a block, so a segment usually holds some records whose spans were
// flushed long ago beside a few that were not; replaying it whole after a crash would write those
// spans into blocks a second time. So after each flush the ingester appends a FLUSHED record
// naming the spans it wrote (a whole record, or a bitmap of a record's spans), and replay skips
// them. A lost marker (a crash before it is written) only means some spans are written twice,
// which compaction removes; it never costs an acknowledged span.
//
//   body  = count (u32 LE), then per entry:
//           segment (u32 LE) | offset (u32 LE) | spans (u32 LE) | bitmap of `spans` bits, or none when spans = 0xffffffff (all)

/** The spans of one record that are durable: all of them, or a bitmap (bit i = span i). */
export type FlushedSpans = 'all' | Uint8Array;

/** One entry of a flush marker. */
export interface FlushedEntry {
  /** Segment of the record. */
  segment: number;
  /** Offset of the record in its segment. */
  offset: number;
  /** Its spans now in blocks. */
  spans: FlushedSpans;
  /** With a bitmap: the record's span count. */
  spanCount?: number;
}

const ALL = 0xffffffff;

/** The body of a FLUSHED record. */
export function encodeFlushed(entries: readonly FlushedEntry[]): Uint8Array {
  let size = 4;
  for (const e of entries) size += 12 + (e.spans === 'all' ? 0 : e.spans.length);
  const out = Buffer.allocUnsafe(size);
  out.writeUInt32LE(entries.length, 0);
  let at = 4;
  for (const e of entries) {
    out.writeUInt32LE(e.segment, at);
    out.writeUInt32LE(e.offset, at + 4);
    if (e.spans === 'all') {
      out.writeUInt32LE(ALL, at + 8);
      at += 12;
    } else {
      out.writeUInt32LE(e.spanCount ?? e.spans.length * 8, at + 8);
      out.set(e.spans, at + 12);
      at += 12 + e.spans.length;
    }
  }
  return out;
}

/** Adds a FLUSHED record's entries to `into`, keyed `segment:offset`, bitmaps or-ed together. */
export function addFlushed(body: Uint8Array, into: Map<string, FlushedSpans>): void {
  const view = new DataView(body.buffer, body.byteOffset, body.byteLength);
  const n = view.getUint32(0, true);
  let at = 4;
  for (let i = 0; i < n && at + 12 <= body.length; i++) {
    const key = `${view.getUint32(at, true)}:${view.getUint32(at + 4, true)}`;
    const spans = view.getUint32(at + 8, true);
    at += 12;
    if (spans === ALL) {
      into.set(key, 'all');
      continue;
    }
    const bytes = Math.ceil(spans / 8);
    const bits = body.slice(at, at + bytes);
    at += bytes;
    const had = into.get(key);
    if (had === 'all') continue;
    if (had) for (let b = 0; b < bits.length && b < had.length; b++) had[b] |= bits[b];
    else into.set(key, bits);
  }
}

/** True when bit `i` of the bitmap is set. */
export function isFlushed(spans: FlushedSpans | undefined, i: number): boolean {
  if (spans === undefined) return false;
  if (spans === 'all') return true;
  return (spans[i >> 3] & (1 << (i & 7))) !== 0;
}
