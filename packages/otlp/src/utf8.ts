// UTF-8 helpers for the codec. Attribute keys and most values are short ASCII, where building the
// string in JS beats a call into the runtime; longer or non-ASCII text goes to Node's native
// decoder. Invalid sequences become U+FFFD, as TextDecoder does.

const SHORT = 16;
const decoder = new TextDecoder();
const encoder = new TextEncoder();

type Slice = (this: Uint8Array, start: number, end: number) => string;

// Buffer's utf8Slice works on any Uint8Array and skips the subarray TextDecoder needs; use it
// when this runtime has it, else fall back to TextDecoder.
const nativeSlice: Slice | undefined = (() => {
  const fn = (Buffer.prototype as unknown as { utf8Slice?: Slice }).utf8Slice;
  try {
    return fn && fn.call(new Uint8Array([0x68, 0xc3, 0xa9]), 0, 3) === 'hé' ? fn : undefined;
  } catch {
    return undefined;
  }
})();

/** Decodes `buf[start, end)` as UTF-8. */
export function decodeUtf8(buf: Uint8Array, start: number, end: number): string {
  if (end - start <= SHORT) {
    let s = '';
    let i = start;
    for (; i < end; i++) {
      const c = buf[i];
      if (c >= 0x80) break;
      s += String.fromCharCode(c);
    }
    if (i === end) return s;
  }
  return nativeSlice !== undefined ? nativeSlice.call(buf, start, end) : decoder.decode(buf.subarray(start, end));
}

/**
 * Whether `buf[start, end)` is well-formed UTF-8 (no overlong forms, surrogates or code points
 * past U+10FFFF): exactly when decoding and re-encoding gives the same bytes back.
 */
export function isValidUtf8(b: Uint8Array, start: number, end: number): boolean {
  let i = start;
  while (i < end) {
    const c = b[i];
    if (c < 0x80) {
      i++;
      continue;
    }
    if (c < 0xc2 || c > 0xf4) return false;
    const c1 = b[i + 1];
    if (i + 1 >= end || (c1 & 0xc0) !== 0x80) return false;
    if (c < 0xe0) {
      i += 2;
      continue;
    }
    if (i + 2 >= end || (b[i + 2] & 0xc0) !== 0x80) return false;
    if (c < 0xf0) {
      if ((c === 0xe0 && c1 < 0xa0) || (c === 0xed && c1 > 0x9f)) return false;
      i += 3;
      continue;
    }
    if (i + 3 >= end || (b[i + 3] & 0xc0) !== 0x80) return false;
    if ((c === 0xf0 && c1 < 0x90) || (c === 0xf4 && c1 > 0x8f)) return false;
    i += 4;
  }
  return true;
}

/** Writes `text` as UTF-8 into `dest` at `offset`; `dest` must have room for 3 bytes per UTF-16 unit. Returns bytes written. */
export function writeUtf8(text: string, dest: Uint8Array, offset: number): number {
  const n = text.length;
  if (n <= 64) {
    let i = 0;
    for (; i < n; i++) {
      const c = text.charCodeAt(i);
      if (c >= 0x80) break;
      dest[offset + i] = c;
    }
    if (i === n) return n;
  }
  return encoder.encodeInto(text, dest.subarray(offset)).written;
}

/** UTF-8 byte length of `text` without encoding it. */
export function utf8Length(text: string): number {
  let len = 0;
  const n = text.length;
  for (let i = 0; i < n; i++) {
    const c = text.charCodeAt(i);
    if (c < 0x80) len += 1;
    else if (c < 0x800) len += 2;
    else if (c >= 0xd800 && c <= 0xdbff && i + 1 < n && (text.charCodeAt(i + 1) & 0xfc00) === 0xdc00) {
      len += 4;
      i++;
    } else len += 3; // a lone surrogate encodes as U+FFFD, also 3 bytes
  }
  return len;
}

/**
 * The largest length `<= max` at which `bytes[0, length)` ends on a UTF-8 character boundary
 * (so cutting there never splits a character).
 */
export function utf8BoundaryAtOrBefore(bytes: Uint8Array, start: number, end: number, max: number): number {
  if (end - start <= max) return end - start;
  let cut = start + max;
  // A continuation byte (10xxxxxx) at the cut means a character straddles it: back up to its start.
  while (cut > start && (bytes[cut] & 0xc0) === 0x80) cut--;
  return cut - start;
}

/** `text` cut to at most `maxBytes` UTF-8 bytes at a character boundary, or `text` itself when it fits. */
export function truncateUtf8(text: string, maxBytes: number): string {
  if (text.length <= maxBytes / 3) return text; // even all 3-byte characters would fit
  const bytes = encoder.encode(text);
  if (bytes.length <= maxBytes) return text;
  return decoder.decode(bytes.subarray(0, utf8BoundaryAtOrBefore(bytes, 0, bytes.length, maxBytes)));
}

/**
 * Remembers recently decoded short strings by their bytes, so the strings a batch repeats over
 * and over (attribute keys, "GET", service names) are decoded once and shared. Direct-mapped:
 * a collision replaces the entry, so a miss costs one hash and one copy more than plain decoding.
 */
export class StringCache {
  private readonly maxLen: number;
  private readonly mask: number;
  private readonly bytes: Uint8Array;
  private readonly lens: Uint16Array;
  private readonly strings: string[];

  constructor(entries: number, maxLen: number) {
    this.maxLen = maxLen;
    this.mask = entries - 1;
    this.bytes = new Uint8Array(entries * maxLen);
    this.lens = new Uint16Array(entries);
    this.strings = new Array<string>(entries).fill('');
  }

  /** Decodes `buf[start, end)` as UTF-8, from the cache when it was seen before. */
  get(buf: Uint8Array, start: number, end: number): string {
    const n = end - start;
    if (n > this.maxLen || n === 0) return n === 0 ? '' : decodeUtf8(buf, start, end);
    let h = n;
    for (let i = start; i < end; i++) h = Math.imul(h ^ buf[i], 0x01000193);
    const e = (h ^ (h >>> 15)) & this.mask;
    const base = e * this.maxLen;
    const cached = this.bytes;
    if (this.lens[e] === n) {
      let i = 0;
      while (i < n && cached[base + i] === buf[start + i]) i++;
      if (i === n) return this.strings[e];
    }
    const s = decodeUtf8(buf, start, end);
    for (let i = 0; i < n; i++) cached[base + i] = buf[start + i];
    this.lens[e] = n;
    this.strings[e] = s;
    return s;
  }
}
