// Parquet value encodings the sb1 writer produces, over typed arrays: the RLE/bit-packed hybrid
// (levels, dictionary codes, booleans) and DELTA_BINARY_PACKED for INT64 (durations). Standard
// Parquet, read back by hyparquet's decoders and by DuckDB.
import { deltaBinaryPack } from './parquet-internals.ts';
import { ByteWriter } from 'hyparquet-writer';
import type { ByteBuffer } from './bytes.ts';

/** Bits needed for values up to `max` (0 for 0). */
export function bitWidth(max: number): number {
  return max === 0 ? 0 : 32 - Math.clz32(max);
}

/** Packs values LSB first into `out`; widths up to 32 bits. */
class BitPacker {
  private acc = 0;
  private bits = 0;
  private readonly out: ByteBuffer;

  constructor(out: ByteBuffer) {
    this.out = out;
  }

  /** Appends the low `w` bits of `v` (w <= 24, v >= 0). */
  put(v: number, w: number): void {
    this.acc |= v << this.bits;
    this.bits += w;
    while (this.bits >= 8) {
      this.out.u8(this.acc & 0xff);
      this.acc >>>= 8;
      this.bits -= 8;
    }
  }

  /** Appends the low `w` bits of a non-negative integer below 2^53. */
  putWide(v: number, w: number): void {
    while (w > 24) {
      this.put(v % 0x1000000, 24);
      v = Math.floor(v / 0x1000000);
      w -= 24;
    }
    this.put(v, w);
  }

  /** Writes a partial last byte. */
  end(): void {
    if (this.bits > 0) this.out.u8(this.acc & 0xff);
    this.acc = 0;
    this.bits = 0;
  }
}

/**
 * RLE/bit-packed hybrid of values[from, to) at `width` bits: runs of eight or more equal values
 * become RLE runs, everything else bit-packed groups of eight (the last padded with zeros).
 */
export function writeHybrid(out: ByteBuffer, values: ArrayLike<number>, from: number, to: number, width: number): void {
  const valueBytes = (width + 7) >>> 3;
  let i = from;
  let packStart = -1;
  let groups = 0;
  const flushPacked = () => {
    out.varint((groups << 1) | 1);
    const end = packStart + groups * 8;
    if (width > 24) {
      const p = new BitPacker(out);
      for (let k = packStart; k < end; k++) p.putWide(k < to ? values[k] >>> 0 : 0, width);
      p.end();
    } else if (width > 0) {
      // Eight values make `width` whole bytes.
      out.ensure(groups * width);
      const buf = out.buf;
      let at = out.length;
      let acc = 0;
      let bits = 0;
      for (let k = packStart; k < end; k++) {
        acc |= (k < to ? values[k] : 0) << bits;
        bits += width;
        while (bits >= 8) {
          buf[at++] = acc & 0xff;
          acc >>>= 8;
          bits -= 8;
        }
      }
      out.length = at;
    }
    groups = 0;
  };
  while (i < to) {
    const v = values[i];
    let run = 1;
    while (i + run < to && values[i + run] === v) run++;
    if (run >= 8) {
      if (groups > 0) flushPacked();
      out.varint(run << 1);
      for (let b = 0; b < valueBytes; b++) out.u8((v >>> (8 * b)) & 0xff);
      i += run;
    } else {
      if (groups === 0) packStart = i;
      groups++;
      i += 8;
    }
  }
  if (groups > 0) flushPacked();
}

/** Unsigned varint of a non-negative integer below 2^53. */
function varintWide(out: ByteBuffer, v: number): void {
  while (v >= 0x80) {
    out.u8((v % 0x80) | 0x80);
    v = Math.floor(v / 0x80);
  }
  out.u8(v);
}

/** Zigzag varint of an integer of magnitude below 2^52. */
function zigzagWide(out: ByteBuffer, v: number): void {
  varintWide(out, v >= 0 ? 2 * v : -2 * v - 1);
}

const BLOCK = 128;
const MINI = 32;
const TWO32 = 4294967296;
const SAFE_HI = 1 << 19;

/**
 * DELTA_BINARY_PACKED of INT64 values given as 32-bit halves (lo, hi), values [from, to). Values
 * within ±2^51 (durations always are) are encoded with float arithmetic; others go through
 * hyparquet-writer's BigInt encoder.
 */
export function writeDeltaInt64(out: ByteBuffer, halves: Int32Array, from: number, to: number): void {
  const n = to - from;
  const vals = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const hi = halves[2 * (from + i) + 1];
    if (hi >= SAFE_HI || hi < -SAFE_HI) return deltaViaBigInt(out, halves, from, to);
    vals[i] = hi * TWO32 + (halves[2 * (from + i)] >>> 0);
  }
  out.varint(BLOCK);
  out.varint(BLOCK / MINI);
  out.varint(n);
  zigzagWide(out, n > 0 ? vals[0] : 0);
  const deltas = new Float64Array(BLOCK);
  const widths = new Uint8Array(BLOCK / MINI);
  const p = new BitPacker(out);
  for (let start = 1; start < n; start += BLOCK) {
    const size = Math.min(BLOCK, n - start);
    let min = Infinity;
    for (let i = 0; i < size; i++) {
      const d = vals[start + i] - vals[start + i - 1];
      deltas[i] = d;
      if (d < min) min = d;
    }
    zigzagWide(out, min);
    for (let m = 0; m < widths.length; m++) {
      let max = 0;
      for (let i = m * MINI; i < Math.min((m + 1) * MINI, size); i++) if (deltas[i] - min > max) max = deltas[i] - min;
      widths[m] = max < TWO32 ? bitWidth(max >>> 0) : 32 + bitWidth(Math.floor(max / TWO32));
    }
    out.bytes(widths);
    for (let m = 0; m < widths.length; m++) {
      const w = widths[m];
      if (w === 0) continue;
      for (let i = m * MINI; i < (m + 1) * MINI; i++) {
        const a = i < size ? deltas[i] - min : 0;
        if (w <= 24) p.put(a, w);
        else p.putWide(a, w);
      }
      p.end();
    }
  }
}

function deltaViaBigInt(out: ByteBuffer, halves: Int32Array, from: number, to: number): void {
  const big = new BigInt64Array(halves.buffer, halves.byteOffset + 8 * from, to - from);
  const w = new ByteWriter(Math.max(1024, 10 * (to - from)));
  deltaBinaryPack(w, big, 'INT64');
  out.bytes(w.getBytes());
}
