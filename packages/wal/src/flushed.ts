// Flush markers: which spans of which records a block holds. A segment is deleted only when every
// span in it is in a block, so a segment usually holds records whose spans were flushed long ago
// beside a few that were not; replaying it whole after a crash would write those spans into
// blocks a second time. So before each block is written the ingester appends a FLUSHED record
// naming the block and the spans it will hold (whole records, or a bitmap of a record's spans).
// Replay asks the object store whether each named block exists and skips the spans of those that
// do: a block that was never finished (the crash came first) leaves its spans to replay, and a
// block finished after its marker was written but before the spans left memory is not written
// twice. A lost marker only means some spans are written twice, which compaction removes; it never
// costs an acknowledged span.
//
//   body  = block id length (u8) | block id (ASCII) | count (u32 LE), then per entry:
//           segment (u32 LE) | offset (u32 LE) | spans (u32 LE) | bitmap of `spans` bits, or none when spans = 0xffffffff (all)

/** The spans of one record that a block holds: all of them, or a bitmap (bit i = span i). */
export type FlushedSpans = 'all' | Uint8Array;

/** One entry of a flush marker. */
export interface FlushedEntry {
  /** Segment of the record. */
  segment: number;
  /** Offset of the record in its segment. */
  offset: number;
  /** Its spans the block holds. */
  spans: FlushedSpans;
  /** With a bitmap: the record's span count. */
  spanCount?: number;
}

/** A decoded marker. */
export interface FlushMarker {
  blockId: string;
  entries: FlushedEntry[];
}

const ALL = 0xffffffff;

/** The body of a FLUSHED record. */
export function encodeFlushed(blockId: string, entries: readonly FlushedEntry[]): Uint8Array {
  const id = Buffer.from(blockId, 'latin1');
  let size = 1 + id.length + 4;
  for (const e of entries) size += 12 + (e.spans === 'all' ? 0 : e.spans.length);
  const out = Buffer.allocUnsafe(size);
  out.writeUInt8(id.length, 0);
  id.copy(out, 1);
  let at = 1 + id.length;
  out.writeUInt32LE(entries.length, at);
  at += 4;
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

/** Reads a FLUSHED record's body; undefined when it is not one this version wrote. */
export function decodeFlushed(body: Uint8Array): FlushMarker | undefined {
  if (body.length < 5) return undefined;
  const view = new DataView(body.buffer, body.byteOffset, body.byteLength);
  const idLength = body[0];
  if (1 + idLength + 4 > body.length) return undefined;
  const blockId = Buffer.from(body.buffer, body.byteOffset + 1, idLength).toString('latin1');
  let at = 1 + idLength;
  const n = view.getUint32(at, true);
  at += 4;
  const entries: FlushedEntry[] = [];
  for (let i = 0; i < n; i++) {
    if (at + 12 > body.length) return undefined;
    const segment = view.getUint32(at, true);
    const offset = view.getUint32(at + 4, true);
    const spans = view.getUint32(at + 8, true);
    at += 12;
    if (spans === ALL) {
      entries.push({ segment, offset, spans: 'all' });
      continue;
    }
    const bytes = Math.ceil(spans / 8);
    if (at + bytes > body.length) return undefined;
    entries.push({ segment, offset, spans: body.slice(at, at + bytes), spanCount: spans });
    at += bytes;
  }
  return { blockId, entries };
}

/** Adds a marker's entries to `into`, keyed `segment:offset`, bitmaps or-ed together. */
export function addFlushed(marker: FlushMarker, into: Map<string, FlushedSpans>): void {
  for (const e of marker.entries) {
    const key = `${e.segment}:${e.offset}`;
    const had = into.get(key);
    if (had === 'all') continue;
    if (e.spans === 'all' || !had) {
      into.set(key, e.spans === 'all' ? 'all' : e.spans.slice());
      continue;
    }
    for (let b = 0; b < e.spans.length && b < had.length; b++) had[b] |= e.spans[b];
  }
}

/** True when bit `i` of the bitmap is set. */
export function isFlushed(spans: FlushedSpans | undefined, i: number): boolean {
  if (spans === undefined) return false;
  if (spans === 'all') return true;
  return (spans[i >> 3] & (1 << (i & 7))) !== 0;
}
