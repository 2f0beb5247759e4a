// Growable byte and number buffers for the column builders and page encoders: one typed array per
// buffer, grown by doubling, so appending a value costs a bounds check and a store.

const utf8 = new TextEncoder();

/** A growable byte buffer. */
export class ByteBuffer {
  /** Backing store; bytes [0, length) are written. */
  buf: Uint8Array;
  /** Bytes written. */
  length = 0;

  constructor(capacity = 1024) {
    this.buf = new Uint8Array(capacity);
  }

  /** Makes room for `n` more bytes. */
  ensure(n: number): void {
    const need = this.length + n;
    if (need <= this.buf.length) return;
    const next = new Uint8Array(Math.max(need, this.buf.length * 2));
    next.set(this.buf.subarray(0, this.length));
    this.buf = next;
  }

  /** Appends one byte. */
  u8(v: number): void {
    if (this.length === this.buf.length) this.ensure(1);
    this.buf[this.length++] = v;
  }

  /** Appends an unsigned LEB128 varint (v < 2^31). */
  varint(v: number): void {
    this.ensure(5);
    const b = this.buf;
    let at = this.length;
    while (v > 0x7f) {
      b[at++] = (v & 0x7f) | 0x80;
      v >>>= 7;
    }
    b[at++] = v;
    this.length = at;
  }

  /** Appends a little-endian uint32. */
  u32(v: number): void {
    this.ensure(4);
    const b = this.buf;
    const at = this.length;
    b[at] = v;
    b[at + 1] = v >>> 8;
    b[at + 2] = v >>> 16;
    b[at + 3] = v >>> 24;
    this.length = at + 4;
  }

  /** Appends bytes. */
  bytes(src: Uint8Array, from = 0, to = src.length): void {
    const n = to - from;
    this.ensure(n);
    // Values (dictionary entries, PLAIN cells) are mostly short: a loop copies them without the
    // view that set() needs, which was a tenth of what a merge allocated.
    if (n < 128) {
      const b = this.buf;
      let at = this.length;
      for (let i = from; i < to; i++) b[at++] = src[i];
    } else {
      this.buf.set(from === 0 && to === src.length ? src : src.subarray(from, to), this.length);
    }
    this.length += n;
  }

  /** Appends a string as UTF-8; returns the byte count. */
  utf8(s: string): number {
    // Worst case 3 bytes per UTF-16 unit.
    this.ensure(s.length * 3);
    let n: number;
    if (s.length < 32) n = asciiInto(s, this.buf, this.length);
    else n = -1;
    if (n < 0) n = utf8.encodeInto(s, this.buf.subarray(this.length)).written;
    this.length += n;
    return n;
  }

  /** The written bytes (a view, valid until the next write). */
  view(): Uint8Array {
    return this.buf.subarray(0, this.length);
  }

  /** Forgets the contents, keeping the capacity. */
  clear(): void {
    this.length = 0;
  }
}

/** Copies an ASCII string; -1 (nothing written that counts) when it is not ASCII. */
function asciiInto(s: string, out: Uint8Array, at: number): number {
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c >= 0x80) return -1;
    out[at + i] = c;
  }
  return s.length;
}

/** A growable Int32Array. */
export class IntBuffer {
  /** Backing store; entries [0, length) are written. */
  a: Int32Array;
  /** Entries written. */
  length = 0;

  constructor(capacity = 1024) {
    this.a = new Int32Array(capacity);
  }

  /** Makes room for `n` more entries. */
  ensure(n: number): void {
    const need = this.length + n;
    if (need <= this.a.length) return;
    const next = new Int32Array(Math.max(need, this.a.length * 2));
    next.set(this.a.subarray(0, this.length));
    this.a = next;
  }

  /** Appends one entry. */
  push(v: number): void {
    if (this.length === this.a.length) this.ensure(1);
    this.a[this.length++] = v;
  }

  /** Appends `v` `n` times. */
  fill(v: number, n: number): void {
    this.ensure(n);
    this.a.fill(v, this.length, this.length + n);
    this.length += n;
  }

  /** Forgets the contents, keeping the capacity. */
  clear(): void {
    this.length = 0;
  }
}
