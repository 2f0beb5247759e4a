// The ingest path of the row builder: a trace given as OTLP protobuf Span bodies (EncodedSpan)
// goes into the columns without span objects. Fields are located by @spanbase/otlp's SpanFields
// and AttributeCursor and copied as bytes (UTF-8 checked, ids, 64-bit halves); attribute keys are
// interned by their bytes once per block. Only what is rare or shared is decoded to model
// objects: events, links, nested attribute values, and resources and scopes (decoded once per
// request by the caller). The columns come out exactly as RowGroupBuilder.addTrace makes them
// from the decoded spans (encoded-rows.test.ts compares the files byte for byte).
import type { AnyValue } from '@spanbase/model';
import { AttributeCursor, MessageDecoder, SpanFields, decodeUtf8 } from '@spanbase/otlp';
import { BlockBadInput } from '../errors.ts';
import type { EncodedSpan } from '../format.ts';
import type { BoolValues, DictValues, F64Values, I64Values } from './column-values.ts';
import { ByteBuffer, IntBuffer } from './bytes.ts';
import type { RowGroupBuilder, TraceSummary } from './row-builder.ts';
import type { TraceIds } from './trace-shape.ts';
import { PARENT_ID, PARENT_ROOT, nestedSets, parentKindOf } from './trace-shape.ts';

const EMPTY: AnyValue = { type: 'empty' };
/** Distinct attribute keys interned before the table starts over (it lives for the whole block). */
const MAX_KEYS = 1 << 16;
/** Generic list (ATTR_TYPES index) of each AnyValue member type, in @spanbase/otlp's VALUE_TYPES order. */
const LIST_OF_TYPE = [4, 0, 3, 1, 2, 4, 4, 4];

/** A hash of a key from its length and four of its bytes. */
function keyHash(b: Uint8Array, from: number, to: number): number {
  const n = to - from;
  let h = Math.imul(n, 0x9e3779b1);
  if (n > 0) h = Math.imul(h ^ (b[from] | (b[to - 1] << 8) | (b[from + (n >> 1)] << 16) | (b[to - 1 - (n >> 2)] << 24)), 0x85ebca6b);
  return h ^ (h >>> 15);
}

/**
 * Attribute keys interned by their bytes. Keys are few and repeat in every span, so the hash
 * looks at the length and a few bytes only; a probe compares the whole key. The string is the
 * decoder's (ill-formed UTF-8 repaired as it repairs it).
 */
class KeyTable {
  /** Key strings by id. */
  readonly strings: string[] = [];
  private readonly bytes = new ByteBuffer(4096);
  private readonly starts = new IntBuffer(256);
  private table = new Int32Array(256);

  constructor() {
    this.starts.push(0);
  }

  /** Keys interned. */
  get size(): number {
    return this.strings.length;
  }

  /** The id of the key in src[from, to). */
  id(src: Uint8Array, from: number, to: number): number {
    const n = to - from;
    const h = keyHash(src, from, to);
    const mask = this.table.length - 1;
    const e = this.bytes.buf;
    const st = this.starts.a;
    for (let slot = h & mask; ; slot = (slot + 1) & mask) {
      const k = this.table[slot] - 1;
      if (k < 0) break;
      const at = st[k];
      if (st[k + 1] - at !== n) continue;
      let i = 0;
      while (i < n && e[at + i] === src[from + i]) i++;
      if (i === n) return k;
    }
    const id = this.strings.length;
    this.strings.push(decodeUtf8(src, from, to));
    this.bytes.bytes(src, from, to);
    this.starts.push(this.bytes.length);
    if (2 * (id + 1) > mask) this.rehash();
    else this.insert(h, id);
    return id;
  }

  private insert(h: number, id: number): void {
    const mask = this.table.length - 1;
    let slot = h & mask;
    while (this.table[slot] !== 0) slot = (slot + 1) & mask;
    this.table[slot] = id + 1;
  }

  private rehash(): void {
    this.table = new Int32Array(this.table.length * 2);
    const e = this.bytes.buf;
    const st = this.starts.a;
    for (let k = 0; k < this.strings.length; k++) this.insert(keyHash(e, st[k], st[k + 1]), k);
  }
}

/** Growable per-span fields of one trace, in arrival order. */
class SpanTable {
  cap = 0;
  spanIds = new Uint8Array(0);
  parentIds = new Uint8Array(0);
  parentKind = new Uint8Array(0);
  ints = new Int32Array(0);

  /** Int fields per span, at ints[FIELDS * i + k]. */
  static readonly FIELDS = 17;

  ensure(n: number): void {
    if (n <= this.cap) return;
    this.cap = Math.max(n, 2 * this.cap, 64);
    this.spanIds = new Uint8Array(8 * this.cap);
    this.parentIds = new Uint8Array(8 * this.cap);
    this.parentKind = new Uint8Array(this.cap);
    this.ints = new Int32Array(SpanTable.FIELDS * this.cap);
  }
}

// Offsets into SpanTable.ints.
const START_LO = 0, START_HI = 1, END_LO = 2, END_HI = 3, PARENT = 4, PARENT_LEN = 5, NAME = 6, NAME_LEN = 7, STATE = 8, STATE_LEN = 9;
const KIND = 10, STATUS = 11, STATUS_MSG = 12, STATUS_LEN = 13, FLAGS = 14, ATTRS = 15, EXTRA = 16;

/** Writes encoded traces into a RowGroupBuilder's columns. */
export class EncodedRows {
  private readonly rows: RowGroupBuilder;
  private readonly f = new SpanFields();
  private readonly cursor = new AttributeCursor();
  private readonly t = new SpanTable();
  private dropped = new Float64Array(0);
  private order = new Int32Array(0);
  /** The trace's ids in row order (arrays reused, grown as needed). */
  private readonly ids: TraceIds = { n: 0, spanIds: new Uint8Array(0), parentIds: new Uint8Array(0), parentKind: new Uint8Array(0) };
  private decoder: MessageDecoder | undefined;
  /** Attribute keys by their bytes, for the whole block. */
  private keys = new KeyTable();
  /** Per key: its dedicated slot, -1 for none, -2 not looked up yet. */
  private keySlot = new Int32Array(1024).fill(-2);
  /** Per generic list and key: the key's code in that list's keys column, valid when the epoch matches. */
  private keyCode = Array.from({ length: 5 }, () => new Int32Array(1024));
  private keyEpoch = Array.from({ length: 5 }, () => new Int32Array(1024));
  private epoch = 1;

  constructor(rows: RowGroupBuilder) {
    this.rows = rows;
  }

  /** Forgets per-row-group key codes (call when the row group is reset). */
  reset(): void {
    this.epoch++;
  }

  /** A decoder over `bytes` for what is decoded to model objects (events, links, nested values). */
  private decoderFor(bytes: Uint8Array): MessageDecoder {
    if (this.decoder?.bytes !== bytes) this.decoder = new MessageDecoder(bytes);
    return this.decoder;
  }

  /**
   * Reads a trace's spans and checks them (a 16-byte trace id shared by all spans, 8-byte span
   * ids); nothing is written yet. Returns the trace id (a copy).
   */
  check(spans: readonly EncodedSpan[]): Uint8Array {
    const n = spans.length;
    if (n === 0) throw BlockBadInput('a trace needs at least one span');
    const t = this.t;
    t.ensure(n);
    if (this.dropped.length < 3 * n) this.dropped = new Float64Array(3 * Math.max(n, 64));
    const f = this.f;
    let id: Uint8Array | undefined;
    for (let i = 0; i < n; i++) {
      const s = spans[i];
      const b = s.bytes;
      f.read(b, s.offset, s.length);
      if (f.traceIdLength !== 16) throw BlockBadInput(`trace id has ${f.traceIdLength} bytes, expected 16`);
      if (!id) id = b.slice(f.traceId, f.traceId + 16);
      else for (let k = 0; k < 16; k++) if (b[f.traceId + k] !== id[k]) throw BlockBadInput('spans of one trace must share its trace id');
      if (f.spanIdLength !== 8) throw BlockBadInput(`span id has ${f.spanIdLength} bytes, expected 8`);
      copy8(b, f.spanId, t.spanIds, 8 * i);
      const kind = parentKindOf(b, f.parentSpanId, f.parentSpanId + f.parentSpanIdLength);
      t.parentKind[i] = kind;
      if (kind === PARENT_ID) copy8(b, f.parentSpanId, t.parentIds, 8 * i);
      const x = t.ints;
      const o = SpanTable.FIELDS * i;
      x[o + START_LO] = f.startLo;
      x[o + START_HI] = f.startHi;
      x[o + END_LO] = f.endLo;
      x[o + END_HI] = f.endHi;
      x[o + PARENT] = f.parentSpanId;
      x[o + PARENT_LEN] = f.parentSpanIdLength;
      x[o + NAME] = f.name;
      x[o + NAME_LEN] = f.nameLength;
      x[o + STATE] = f.traceState;
      x[o + STATE_LEN] = f.traceStateLength;
      x[o + KIND] = f.kind;
      x[o + STATUS] = f.statusCode;
      x[o + STATUS_MSG] = f.statusMessage;
      x[o + STATUS_LEN] = f.statusMessageLength;
      x[o + FLAGS] = f.flags;
      x[o + ATTRS] = f.attributes;
      x[o + EXTRA] = (f.events > 0 ? 1 : 0) | (f.links > 0 ? 2 : 0);
      this.dropped[3 * i] = f.droppedAttributesCount;
      this.dropped[3 * i + 1] = f.droppedEventsCount;
      this.dropped[3 * i + 2] = f.droppedLinksCount;
    }
    return id!;
  }

  /** Writes the trace read by the last {@link check}; returns its summary. */
  write(spans: readonly EncodedSpan[], id: Uint8Array): TraceSummary {
    const n = spans.length;
    const t = this.t;
    const x = t.ints;
    const F = SpanTable.FIELDS;
    // Row order: start time (unsigned), then span id, as sortTrace orders records.
    if (this.order.length < n) this.order = new Int32Array(Math.max(n, 64));
    const order = this.order.subarray(0, n);
    for (let i = 0; i < n; i++) order[i] = i;
    order.sort((a, b) => {
      const ha = x[F * a + START_HI] >>> 0;
      const hb = x[F * b + START_HI] >>> 0;
      if (ha !== hb) return ha - hb;
      const la = x[F * a + START_LO] >>> 0;
      const lb = x[F * b + START_LO] >>> 0;
      if (la !== lb) return la - lb;
      for (let k = 0; k < 8; k++) if (t.spanIds[8 * a + k] !== t.spanIds[8 * b + k]) return t.spanIds[8 * a + k] - t.spanIds[8 * b + k];
      return 0;
    });
    // Ids in row order for the nested sets, and the trace's time range and root.
    const ids = this.ids;
    if (ids.parentKind.length < n) {
      const cap = Math.max(n, 2 * ids.parentKind.length);
      ids.spanIds = new Uint8Array(8 * cap);
      ids.parentIds = new Uint8Array(8 * cap);
      ids.parentKind = new Uint8Array(cap);
    }
    ids.n = n;
    let sLo = 0, sHi = 0, eLo = 0, eHi = 0;
    let root = -1;
    for (let r = 0; r < n; r++) {
      const i = order[r];
      copy8(t.spanIds, 8 * i, ids.spanIds, 8 * r);
      copy8(t.parentIds, 8 * i, ids.parentIds, 8 * r);
      ids.parentKind[r] = t.parentKind[i];
      const o = F * i;
      if (r === 0 || before(x[o + START_HI], x[o + START_LO], sHi, sLo)) {
        sHi = x[o + START_HI];
        sLo = x[o + START_LO];
      }
      if (r === 0 || before(eHi, eLo, x[o + END_HI], x[o + END_LO])) {
        eHi = x[o + END_HI];
        eLo = x[o + END_LO];
      }
      if (root < 0 && t.parentKind[i] === PARENT_ROOT) root = i;
    }
    const nested = nestedSets(ids);
    const rows = this.rows;
    const c = rows.c;
    let rootService: string | undefined;
    const rootNames = c.rootName;
    let nameCode: number;
    if (root >= 0) {
      rootService = rows.resourceSplit(spans[root].resource).service;
      const o = F * root;
      nameCode = rootNames.utf8Code(spans[root].bytes, x[o + NAME], x[o + NAME] + x[o + NAME_LEN]);
      rows.tags.addRoot(rootNames.stringOf(nameCode), rootService);
    } else nameCode = rootNames.stringCode('');
    const svcCode = c.rootService.stringCode(rootService ?? '');
    rows.addTraceColumns(n, id, 0, svcCode, nameCode, sLo, sHi, eLo, eHi);
    for (let r = 0; r < n; r++) this.writeSpan(spans[order[r]], order[r], nested.left[r], nested.right[r], nested.parent[r]);
    return { start: u64(sLo, sHi), end: u64(eLo, eHi) };
  }

  private writeSpan(s: EncodedSpan, i: number, left: number, right: number, parent: number): void {
    const rows = this.rows;
    const c = rows.c;
    const b = s.bytes;
    const x = this.t.ints;
    const o = SpanTable.FIELDS * i;
    c.spanId.add(this.t.spanIds, 8 * i);
    c.parentSpanId.addRange(b, x[o + PARENT], x[o + PARENT] + x[o + PARENT_LEN]);
    c.name.addUtf8(b, x[o + NAME], x[o + NAME] + x[o + NAME_LEN]);
    c.kind.add(x[o + KIND]);
    c.start.addHalves(x[o + START_LO], x[o + START_HI]);
    const lo = (x[o + END_LO] >>> 0) - (x[o + START_LO] >>> 0);
    c.duration.addHalves(lo, x[o + END_HI] - x[o + START_HI] - (lo < 0 ? 1 : 0));
    c.statusCode.add(x[o + STATUS]);
    c.statusMessage.addUtf8(b, x[o + STATUS_MSG], x[o + STATUS_MSG] + x[o + STATUS_LEN]);
    if (s.traceState !== undefined) c.traceState.addString(s.traceState);
    else c.traceState.addUtf8(b, x[o + STATE], x[o + STATE] + x[o + STATE_LEN]);
    c.flags.addNum(x[o + FLAGS] >>> 0);
    c.droppedAttributes.addNum(this.dropped[3 * i]);
    c.droppedEvents.addNum(this.dropped[3 * i + 1]);
    c.droppedLinks.addNum(this.dropped[3 * i + 2]);
    c.nestedLeft.add(left);
    c.nestedRight.add(right);
    c.nestedParent.add(parent);
    rows.addContext(rows.resourceSplit(s.resource), rows.scopeSplit(s.scope), s.resourceSchemaUrl, s.scopeSchemaUrl);
    if (x[o + ATTRS] > 0) this.writeAttributes(s);
    rows.endAttributes();
    const extra = x[o + EXTRA];
    rows.addEvents(extra & 1 ? this.decoderFor(b).events(s.offset, s.length) : []);
    rows.addLinks(extra & 2 ? this.decoderFor(b).links(s.offset, s.length) : []);
    rows.estimatedBytes += 60 + s.length;
  }

  private writeAttributes(s: EncodedSpan): void {
    const rows = this.rows;
    const c = this.cursor;
    const b = s.bytes;
    const taken = rows.taken;
    c.start(b, s.offset, s.length);
    while (c.next()) {
      const key = this.keyId(b, c.key, c.key + c.keyLength);
      const slot = this.slotOf(key);
      const type = c.type;
      if (slot >= 0 && taken[slot] === 0) {
        const d = rows.spanDedicated[slot].values;
        if (d.kind === 'dict' && type === 1) {
          d.addUtf8(b, c.value, c.value + c.valueLength);
          taken[slot] = 1;
          continue;
        }
        if (d.kind === 'i64' && type === 3) {
          d.addHalves(c.lo, c.hi);
          taken[slot] = 1;
          continue;
        }
      }
      const list = LIST_OF_TYPE[type];
      if (list === 4) {
        const value = type === 0 ? EMPTY : this.decoderFor(b).anyValue(c.anyValue, c.anyValueLength);
        rows.addOther(this.keys.strings[key], value);
        continue;
      }
      const typed = rows.typed[list];
      typed.keys.addCode(this.listKeyCode(list, key));
      switch (list) {
        case 0: (typed.values as DictValues).addUtf8(b, c.value, c.value + c.valueLength); break;
        case 1: (typed.values as I64Values).addHalves(c.lo, c.hi); break;
        case 2: (typed.values as F64Values).add(c.double); break;
        default: (typed.values as BoolValues).add((c.lo | c.hi) !== 0);
      }
    }
  }

  /** The block-wide id of the key in b[from, to). */
  private keyId(b: Uint8Array, from: number, to: number): number {
    if (this.keys.size >= MAX_KEYS) {
      this.keys = new KeyTable();
      this.keySlot.fill(-2);
      this.epoch++;
    }
    const id = this.keys.id(b, from, to);
    if (id >= this.keySlot.length) {
      const size = 2 * this.keySlot.length;
      const slots = new Int32Array(size).fill(-2);
      slots.set(this.keySlot);
      this.keySlot = slots;
      this.keyCode = this.keyCode.map((a) => grow(a, size));
      this.keyEpoch = this.keyEpoch.map((a) => grow(a, size));
    }
    return id;
  }

  private slotOf(key: number): number {
    let slot = this.keySlot[key];
    if (slot === -2) slot = this.keySlot[key] = this.rows.spanSlots.get(this.keys.strings[key])?.slot ?? -1;
    return slot;
  }

  private listKeyCode(list: number, key: number): number {
    if (this.keyEpoch[list][key] === this.epoch) return this.keyCode[list][key];
    const code = this.rows.typed[list].keys.stringCode(this.keys.strings[key]);
    this.keyCode[list][key] = code;
    this.keyEpoch[list][key] = this.epoch;
    return code;
  }
}

function copy8(src: Uint8Array, from: number, dst: Uint8Array, at: number): void {
  for (let k = 0; k < 8; k++) dst[at + k] = src[from + k];
}

function grow(a: Int32Array, size: number): Int32Array<ArrayBuffer> {
  const out = new Int32Array(size);
  out.set(a);
  return out;
}

/** Whether unsigned (hi, lo) a is below b. */
function before(ahi: number, alo: number, bhi: number, blo: number): boolean {
  return ahi >>> 0 !== bhi >>> 0 ? ahi >>> 0 < bhi >>> 0 : alo >>> 0 < blo >>> 0;
}

function u64(lo: number, hi: number): bigint {
  return (BigInt(hi >>> 0) << 32n) | BigInt(lo >>> 0);
}
