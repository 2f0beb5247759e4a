// Block metas on the wire: each as the bytes of its meta.json (compact), the block format's own
// documented, versioned description, parsed and checked on arrival like one read from storage.
import { parseBlockMeta } from '@spanbase/block';
import type { BlockMeta } from '@spanbase/block';
import type { ProtoReader, ProtoWriter } from './proto.ts';
import { WireType } from './proto.ts';

const encoder = new TextEncoder();

/** Writes each meta as a `bytes` field `no`. */
export function writeBlockMetas(w: ProtoWriter, no: number, metas: readonly BlockMeta[]): void {
  for (const m of metas) {
    w.tag(no, WireType.LEN);
    w.bytes(encoder.encode(JSON.stringify(m)));
  }
}

/** Reads one meta field (its tag just read). */
export function readBlockMeta(r: ProtoReader): BlockMeta {
  const len = r.length();
  const m = parseBlockMeta(r.buf.subarray(r.pos, r.pos + len));
  r.pos += len;
  return m;
}
