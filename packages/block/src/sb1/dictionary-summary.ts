// What a verified, all-dictionary string chunk can hold, kept after the chunk itself is gone: a
// needle search over many row groups decides most of them on their dictionaries, and a later one
// should not read, check, decompress and scan them again to learn the same. A summary holds the
// chunk's value count, every entry of a small dictionary (attribute keys), and a bit set of the
// byte trigrams of every entry: a text whose trigram is missing is in no entry, so no row holds
// it (or holds a value containing it, for a pattern's required literal). Built from the chunk's
// decoded dictionary once, a few kilobytes per row group, so a search over fifty million spans
// keeps them all where it could not keep the chunks.
import type { ColumnChunk, Values } from './fetch-pages.ts';

/** Dictionaries up to this many bytes keep their entries (key lists: exact "may hold key"). */
const ENTRIES_MAX_BYTES = 16 * 1024;
/** Bits per distinct trigram (one hash): an absent trigram reads as present about 12% of the time. */
const BITS_PER_TRIGRAM = 8;
const MIN_BITS = 256;
/** Scratch set of every 24-bit trigram, for counting distinct ones (cleared after each use). */
let seen: Uint8Array | undefined;

const utf8 = new TextDecoder();

function slot(code: number, shift: number): number {
  return Math.imul(code, 0x9e3779b1) >>> shift;
}

/** A summary of one all-dictionary string chunk (see the file comment). */
export class DictionarySummary {
  /** Values in the chunk (list elements for a list column), nulls not counted. */
  readonly valueCount: number;
  /** Every entry, for small dictionaries. */
  private readonly entries: Set<string> | undefined;
  /** Trigram bit set (a power of two bits), or undefined when no entry has three bytes. */
  private readonly grams: Uint32Array | undefined;
  private readonly shift: number;

  private constructor(valueCount: number, entries: Set<string> | undefined, grams: Uint32Array | undefined, shift: number) {
    this.valueCount = valueCount;
    this.entries = entries;
    this.grams = grams;
    this.shift = shift;
  }

  /**
   * The summary of a loaded chunk: of any chunk without values (it holds nothing), else only of
   * a string column whose every page is dictionary-encoded; undefined for the rest.
   */
  static of(c: ColumnChunk): DictionarySummary | undefined {
    if (c.valueCount === 0) return new DictionarySummary(0, undefined, undefined, 32);
    if (c.spec.kind !== 'string' || !c.allDictionary) return undefined;
    const dict = c.dictionary;
    if (!dict?.buf || !dict.starts || !dict.ends) return undefined;
    let bytes = 0;
    for (let i = 0; i < dict.count; i++) bytes += dict.ends[i] - dict.starts[i];
    let entries: Set<string> | undefined;
    if (bytes <= ENTRIES_MAX_BYTES) {
      entries = new Set();
      for (let i = 0; i < dict.count; i++) entries.add(utf8.decode(dict.bytes(i)));
    }
    const codes = distinctTrigrams(dict);
    if (codes.length === 0) return new DictionarySummary(c.valueCount, entries, undefined, 32);
    let bits = MIN_BITS;
    while (bits < codes.length * BITS_PER_TRIGRAM) bits *= 2;
    const shift = 32 - Math.log2(bits);
    const grams = new Uint32Array(bits / 32);
    for (const code of codes) {
      const s = slot(code, shift);
      grams[s >>> 5] |= 1 << (s & 31);
    }
    return new DictionarySummary(c.valueCount, entries, grams, shift);
  }

  /** Bytes it holds, roughly. */
  get heldBytes(): number {
    let n = 64 + (this.grams?.byteLength ?? 0);
    if (this.entries) for (const e of this.entries) n += 16 + 2 * e.length;
    return n;
  }

  /** False when no value of the chunk is the string `s`. */
  mayHoldEntry(s: string): boolean {
    return this.valueCount > 0 && (this.entries === undefined || this.entries.has(s));
  }

  /**
   * False when no value of the chunk contains the UTF-8 bytes `text` (so none equals it either).
   * Texts shorter than a trigram are decided only by a small dictionary's entries.
   */
  mayContain(text: Uint8Array): boolean {
    if (this.valueCount === 0) return false;
    if (text.length < 3) {
      if (!this.entries) return true;
      const s = utf8.decode(text);
      for (const e of this.entries) if (e.includes(s)) return true;
      return false;
    }
    const grams = this.grams;
    if (!grams) return false;
    for (let i = 0; i + 3 <= text.length; i++) {
      const s = slot((text[i] << 16) | (text[i + 1] << 8) | text[i + 2], this.shift);
      if ((grams[s >>> 5] & (1 << (s & 31))) === 0) return false;
    }
    return true;
  }
}

/** Distinct 24-bit trigram codes of the entries (a trigram never spans two entries). */
function distinctTrigrams(dict: Values): number[] {
  const set = (seen ??= new Uint8Array(1 << 21));
  const out: number[] = [];
  const buf = dict.buf!;
  const starts = dict.starts!;
  const ends = dict.ends!;
  for (let i = 0; i < dict.count; i++) {
    const end = ends[i];
    let at = starts[i];
    if (end - at < 3) continue;
    let code = (buf[at] << 8) | buf[at + 1];
    for (at += 2; at < end; at++) {
      code = ((code << 8) | buf[at]) & 0xffffff;
      const bit = 1 << (code & 7);
      const byte = code >>> 3;
      if ((set[byte] & bit) !== 0) continue;
      set[byte] |= bit;
      out.push(code);
    }
  }
  for (const code of out) set[code >>> 3] = 0;
  return out;
}
