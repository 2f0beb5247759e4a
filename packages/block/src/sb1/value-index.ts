// The attribute value index (object `values`): per row group, a split-block bloom filter over the
// string attribute values its spans, resources, scopes, events and links hold, each keyed by its
// scope and attribute name (string array elements count as values of their attribute). It
// answers "may this row group hold span.key = value" without reading data.parquet, for every
// attribute wherever the block stores it (dedicated column, generic lists, resource JSON, event
// JSON). Layout and hash: docs/design/2026-12 Needle search.md. A damaged or missing index
// means "maybe here" for every row group.
import { crc32c } from '@spanbase/model';
import { BlockFormat } from '../errors.ts';
import { murmur3Range } from './bloom.ts';
import { IntBuffer } from './bytes.ts';
import { sbbfBytes, sbbfContains, sbbfInsert } from './sbbf.ts';

/** Where an attribute lives. */
export type ValueScope = 'span' | 'resource' | 'instrumentation' | 'event' | 'link';

/** ASCII "SB1V", little-endian. */
const MAGIC = 0x56314253;
const VERSION = 1;
/** 1 = MurmurHash3 x86 32 of the entry bytes with the two seeds below, as (hi, lo). */
const HASH = 1;
const SEEDS = [0x3c6ef372, 0xa54ff53a] as const;
const HEADER_BYTES = 12;
/** False-positive rate each row group's filter is sized for. */
export const VALUE_INDEX_FPP = 0.001;

const SCOPE_BYTE: Record<ValueScope, number> = { span: 0x73, resource: 0x72, instrumentation: 0x69, event: 0x65, link: 0x6c };
const utf8 = new TextEncoder();

/** Builds entry bytes `scope | key | 0x00 | value` (UTF-8) and hashes them. */
class EntryHasher {
  private buf = new Uint8Array(512);
  /** Scratch for the UTF-8 of string values. */
  private text = new Uint8Array(256);
  private readonly keys = new Map<string, Uint8Array>();

  private keyBytes(key: string): Uint8Array {
    let b = this.keys.get(key);
    if (!b) {
      b = utf8.encode(key);
      if (this.keys.size > 4096) this.keys.clear();
      this.keys.set(key, b);
    }
    return b;
  }

  private room(n: number): void {
    if (n <= this.buf.length) return;
    let size = this.buf.length * 2;
    while (size < n) size *= 2;
    this.buf = new Uint8Array(size);
  }

  /** [hi, lo] of the entry whose value is the UTF-8 bytes src[from, to). */
  hashBytes(scope: ValueScope, key: string, src: Uint8Array, from: number, to: number, out: Uint32Array): void {
    const k = this.keyBytes(key);
    const n = 2 + k.length + (to - from);
    this.room(n);
    const b = this.buf;
    b[0] = SCOPE_BYTE[scope];
    b.set(k, 1);
    b[1 + k.length] = 0;
    // Copied byte by byte and hashed in place: a view per value was a fifth of what the
    // writer's index step allocated.
    for (let i = from, at = 2 + k.length; i < to; i++, at++) b[at] = src[i];
    out[0] = murmur3Range(b, 0, n, SEEDS[0]);
    out[1] = murmur3Range(b, 0, n, SEEDS[1]);
  }

  /** [hi, lo] of the entry for a string value. */
  hashString(scope: ValueScope, key: string, value: string, out: Uint32Array): void {
    // Encoded into a scratch buffer: no array per value. A UTF-8 form is at most 3 bytes per UTF-16 unit.
    if (this.text.length < 3 * value.length) this.text = new Uint8Array(2 * this.text.length + 3 * value.length);
    const n = utf8.encodeInto(value, this.text).written;
    this.hashBytes(scope, key, this.text, 0, n, out);
  }
}

/**
 * Distinct (hi, lo) hash pairs, open-addressed in typed arrays: a Set of numbers made of both
 * halves held each as a heap number, and was a twentieth of a compaction's CPU.
 */
class HashPairs {
  his = new Int32Array(1024);
  los = new Int32Array(1024);
  used = new Uint8Array(1024);
  size = 0;

  /** Adds the pair; the hashes are uniform, so hi's low bits pick the slot. */
  add(hi: number, lo: number): void {
    let mask = this.used.length - 1;
    if (2 * (this.size + 1) > this.used.length) {
      this.grow();
      mask = this.used.length - 1;
    }
    for (let slot = hi & mask; ; slot = (slot + 1) & mask) {
      if (this.used[slot] === 0) {
        this.used[slot] = 1;
        this.his[slot] = hi;
        this.los[slot] = lo;
        this.size++;
        return;
      }
      if (this.his[slot] === (hi | 0) && this.los[slot] === (lo | 0)) return;
    }
  }

  private grow(): void {
    const { his, los, used } = this;
    const n = used.length * 2;
    this.his = new Int32Array(n);
    this.los = new Int32Array(n);
    this.used = new Uint8Array(n);
    this.size = 0;
    for (let i = 0; i < used.length; i++) if (used[i] === 1) this.add(his[i] >>> 0, los[i] >>> 0);
  }

  clear(): void {
    if (this.used.length > 1 << 16) {
      this.his = new Int32Array(1024);
      this.los = new Int32Array(1024);
      this.used = new Uint8Array(1024);
    } else this.used.fill(0);
    this.size = 0;
  }
}

/** Resources and scopes whose hashes a builder keeps (the cache starts over past this). */
const MAX_CACHED_CONTENTS = 1024;

/** Collects the entries of each row group and encodes the object. */
export class ValueIndexBuilder {
  private readonly hasher = new EntryHasher();
  private readonly h = new Uint32Array(2);
  /** Distinct hashes of the current row group. */
  private readonly seen = new HashPairs();
  private readonly filters: Uint8Array[] = [];
  /** Hash pairs of each resource and scope content added with addOnce. */
  private readonly byContent = new Map<string, Int32Array>();
  /** Pairs being hashed by addOnce, not yet added. */
  private readonly recorded = new IntBuffer(256);
  private recording = false;

  private add(): void {
    if (this.recording) {
      this.recorded.push(this.h[0]);
      this.recorded.push(this.h[1]);
    } else this.seen.add(this.h[0], this.h[1]);
  }

  /** Adds a string value given as UTF-8 bytes src[from, to). */
  addBytes(scope: ValueScope, key: string, src: Uint8Array, from: number, to: number): void {
    this.hasher.hashBytes(scope, key, src, from, to, this.h);
    this.add();
  }

  /** Adds a string value. */
  addString(scope: ValueScope, key: string, value: string): void {
    this.hasher.hashString(scope, key, value, this.h);
    this.add();
  }

  /**
   * Adds what `add` adds, hashed once per `content` in `scope` for the whole block: a resource or
   * scope recurs in every row group its service writes to, with the same attributes.
   */
  addOnce(scope: ValueScope, content: string, add: () => void): void {
    const key = `${scope}\u0000${content}`;
    let pairs = this.byContent.get(key);
    if (!pairs) {
      const from = this.recorded.length;
      this.recording = true;
      try {
        add();
      } finally {
        this.recording = false;
      }
      pairs = this.recorded.a.slice(from, this.recorded.length);
      this.recorded.length = from;
      if (this.byContent.size >= MAX_CACHED_CONTENTS) this.byContent.clear();
      this.byContent.set(key, pairs);
    }
    for (let i = 0; i < pairs.length; i += 2) this.seen.add(pairs[i] >>> 0, pairs[i + 1] >>> 0);
  }

  /** Closes the current row group's filter. */
  endRowGroup(): void {
    const seen = this.seen;
    const n = seen.size;
    if (n === 0) {
      this.filters.push(new Uint8Array(0));
    } else {
      const words = new Uint32Array(sbbfBytes(n, VALUE_INDEX_FPP, false) >>> 2);
      for (let i = 0; i < seen.used.length; i++) if (seen.used[i] === 1) sbbfInsert(words, seen.his[i] >>> 0, seen.los[i] >>> 0);
      this.filters.push(new Uint8Array(words.buffer));
    }
    seen.clear();
  }

  /** The object: header, filter sizes, filters, CRC32C trailer (little-endian). */
  finish(): Uint8Array {
    const groups = this.filters.length;
    let size = HEADER_BYTES + 4 * groups + 4;
    for (const f of this.filters) size += f.length;
    const out = new Uint8Array(size);
    const v = new DataView(out.buffer);
    v.setUint32(0, MAGIC, true);
    v.setUint8(4, VERSION);
    v.setUint8(5, HASH);
    v.setUint32(8, groups, true);
    let at = HEADER_BYTES;
    for (const f of this.filters) {
      v.setUint32(at, f.length, true);
      at += 4;
    }
    for (const f of this.filters) {
      out.set(f, at);
      at += f.length;
    }
    v.setUint32(at, crc32c(out.subarray(0, at)), true);
    return out;
  }
}

/** A probe: the hashes of one value under each scope it may live in. */
export type ValueProbe = readonly (readonly [number, number])[];

/** Hashes probes; the hash is fixed by the format (`HASH`), so one hasher serves every index. */
const probeHasher = new EntryHasher();

/** The hashes of `key = value` in each of `scopes`: what {@link ValueIndex.mayHold} looks for. */
export function valueProbe(scopes: readonly ValueScope[], key: string, value: string): ValueProbe {
  const h = new Uint32Array(2);
  return scopes.map((s) => {
    probeHasher.hashString(s, key, value, h);
    return [h[0], h[1]] as const;
  });
}

/** A parsed value index. */
export class ValueIndex {
  private readonly filters: Uint32Array[];

  private constructor(filters: Uint32Array[]) {
    this.filters = filters;
  }

  /** Parses and checks the object (BLK_ERR_FORMAT when it is not one). */
  static parse(bytes: Uint8Array, rowGroups: number): ValueIndex {
    if (bytes.length < HEADER_BYTES + 4) throw BlockFormat('value index is too short');
    const v = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    if (v.getUint32(0, true) !== MAGIC) throw BlockFormat('value index has a bad magic number');
    if (v.getUint8(4) !== VERSION || v.getUint8(5) !== HASH) throw BlockFormat(`value index version ${v.getUint8(4)}, hash ${v.getUint8(5)} is not known`);
    if (v.getUint32(bytes.length - 4, true) !== crc32c(bytes.subarray(0, bytes.length - 4))) throw BlockFormat('value index does not match its own checksum');
    const groups = v.getUint32(8, true);
    if (groups !== rowGroups) throw BlockFormat(`value index has ${groups} row groups, the block ${rowGroups}`);
    let at = HEADER_BYTES + 4 * groups;
    const filters: Uint32Array[] = [];
    for (let g = 0; g < groups; g++) {
      const n = v.getUint32(HEADER_BYTES + 4 * g, true);
      if (n % 32 !== 0 || at + n > bytes.length - 4) throw BlockFormat('value index filter sizes do not fit the object');
      // A copy: aligned words, and the object's buffer is not kept.
      filters.push(new Uint32Array(bytes.slice(at, at + n).buffer));
      at += n;
    }
    if (at !== bytes.length - 4) throw BlockFormat('value index has trailing bytes');
    return new ValueIndex(filters);
  }

  /** False when no row of the group holds the probed value in any of its scopes. */
  mayHold(rowGroup: number, probe: ValueProbe): boolean {
    const f = this.filters[rowGroup];
    if (!f) return true;
    if (f.length === 0) return false;
    for (const [hi, lo] of probe) if (sbbfContains(f, hi, lo)) return true;
    return false;
  }

  /** Bytes of the filters (for measurements). */
  get bytes(): number {
    return this.filters.reduce((n, f) => n + f.byteLength, 0);
  }
}
