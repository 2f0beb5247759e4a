// One tenant's in-memory traces. `live` holds traces still receiving spans; when a trace has
// been idle for the idle period it is sealed into the head block (a later span of the same trace
// starts a new live entry). Sealed traces stay findable here until their block is durable, so a
// trace never disappears between memory and storage.
import type { Chunk } from './chunk.ts';
import { LiveTrace } from './live-trace.ts';
import { TRACES_PER_STEP, finish } from './stepwise.ts';

/** Key of a trace in the maps: its 16 id bytes as a latin1 string (cheap to build and hash). */
function traceKey(bytes: Buffer, offset: number): string {
  return bytes.toString('latin1', offset, offset + 16);
}

function sameId(b: Uint8Array, a: number, c: number): boolean {
  for (let k = 0; k < 16; k++) if (b[a + k] !== b[c + k]) return false;
  return true;
}

/** A set of sealed traces cut into one block. */
export interface HeadBatch {
  /** The traces, in sealing order. */
  traces: LiveTrace[];
  /** Sum of their span bytes. */
  bytes: number;
  /** When the first of them entered the head block (unix ms). */
  startedMs: number;
}

/** In-memory traces of one tenant. */
export class TenantStore {
  readonly tenant: string;
  /** Traces receiving spans. */
  readonly live = new Map<string, LiveTrace>();
  /** Sealed traces (head block or being flushed), by key; a trace id may have several generations. */
  readonly sealed = new Map<string, LiveTrace[]>();
  /** Traces sealed into the head block, waiting for a cut. */
  head: LiveTrace[] = [];
  /** Span bytes in the head block. */
  headBytes = 0;
  /** When the first trace entered the current head block (unix ms), 0 when empty. */
  headStartedMs = 0;

  constructor(tenant: string) {
    this.tenant = tenant;
  }

  /**
   * Indexes every span of an accepted request but those `skip` names; `gens[i]` receives the
   * generation id of span i (0 for a skipped span).
   */
  add(chunk: Chunk, nowMs: number, gens?: Float64Array, skip?: (i: number) => boolean): void {
    const scan = chunk.scan;
    const b = scan.bytes;
    const buf = Buffer.isBuffer(b) ? b : Buffer.from(b.buffer, b.byteOffset, b.byteLength);
    let last: LiveTrace | undefined;
    let lastOff = -1;
    for (let i = 0; i < scan.spanCount; i++) {
      if (skip?.(i)) continue;
      const off = scan.traceIdOffset[i];
      // Exporters usually send a trace's spans together: compare bytes with the previous span's
      // id and skip building a key and the map lookup for runs.
      if (last !== undefined && sameId(buf, off, lastOff)) {
        last.add(chunk, i, nowMs);
        if (gens) gens[i] = last.genId;
        lastOff = off;
        continue;
      }
      const key = traceKey(buf, off);
      let t = this.live.get(key);
      if (!t) {
        t = new LiveTrace(new Uint8Array(buf.subarray(off, off + 16)));
        this.live.set(key, t);
      }
      t.add(chunk, i, nowMs);
      if (gens) gens[i] = t.genId;
      last = t;
      lastOff = off;
    }
  }

  /** Every in-memory generation of a trace: sealed ones first, then the live one. */
  find(traceId: Uint8Array): LiveTrace[] {
    const key = Buffer.from(traceId.buffer, traceId.byteOffset, traceId.byteLength).toString('latin1', 0, 16);
    const out = [...(this.sealed.get(key) ?? [])];
    const live = this.live.get(key);
    if (live) out.push(live);
    return out;
  }

  /** Moves traces idle since before `idleBeforeMs` (or all, when `all`) into the head block. */
  sealIdle(idleBeforeMs: number, nowMs: number, all = false): number {
    return finish(this.sealIdleSteps(idleBeforeMs, nowMs, all));
  }

  /**
   * {@link sealIdle} in steps (see stepwise.ts): nothing is sealed while a block is written, so
   * after a long flush the live set can hold hundreds of thousands of traces (125 ms in one piece
   * after the ingest bench's flat out). A trace that receives a span between steps is judged by
   * its time when visited; one that arrives meanwhile is visited too, as a Map's iteration sees it.
   */
  *sealIdleSteps(idleBeforeMs: number, nowMs: number, all = false): Generator<void, number> {
    let n = 0;
    let visited = 0;
    for (const [key, t] of this.live) {
      if (++visited % TRACES_PER_STEP === 0) yield;
      if (!all && t.lastAppendMs > idleBeforeMs) continue;
      this.live.delete(key);
      t.state = 'head';
      const gens = this.sealed.get(key);
      if (gens) gens.push(t);
      else this.sealed.set(key, [t]);
      if (this.head.length === 0) this.headStartedMs = nowMs;
      this.head.push(t);
      this.headBytes += t.bytes;
      n++;
    }
    return n;
  }

  /**
   * Takes the head block for flushing, or its oldest traces up to the first to reach `maxBytes`
   * (the rest stays in the head, as old as it was); its traces stay findable until `forget`.
   */
  cutHead(maxBytes = Infinity): HeadBatch | undefined {
    if (this.head.length === 0) return undefined;
    let n = 0;
    let bytes = 0;
    while (n < this.head.length && bytes < maxBytes) bytes += this.head[n++].bytes;
    const batch = { traces: n === this.head.length ? this.head : this.head.slice(0, n), bytes, startedMs: this.headStartedMs };
    for (const t of batch.traces) t.state = 'flushing';
    if (n === this.head.length) {
      this.head = [];
      this.headBytes = 0;
      this.headStartedMs = 0;
    } else {
      this.head = this.head.slice(n);
      this.headBytes -= bytes;
    }
    return batch;
  }

  /**
   * Drops a flushed batch's traces from memory (their block is durable and listed), in steps (see
   * stepwise.ts); mark the traces 'flushed' first, so none is in a snapshot meanwhile.
   */
  *forgetSteps(batch: HeadBatch): Generator<void, void> {
    let n = 0;
    for (const t of batch.traces) {
      if (++n % TRACES_PER_STEP === 0) yield;
      const key = Buffer.from(t.traceId.buffer, t.traceId.byteOffset, 16).toString('latin1', 0, 16);
      const gens = this.sealed.get(key);
      if (!gens) continue;
      const rest = gens.filter((g) => g !== t);
      if (rest.length === 0) this.sealed.delete(key);
      else this.sealed.set(key, rest);
    }
  }

  /** Puts a batch whose flush failed back at the front of the head block; it stays due. */
  requeue(batch: HeadBatch): void {
    for (const t of batch.traces) t.state = 'head';
    this.head = [...batch.traces, ...this.head];
    this.headBytes += batch.bytes;
    this.headStartedMs = this.headStartedMs === 0 ? batch.startedMs : Math.min(this.headStartedMs, batch.startedMs);
  }

  /** Every trace in memory as its list of generations (sealed ones, then the live one). */
  *generations(): IterableIterator<LiveTrace[]> {
    for (const [key, all] of this.sealed) {
      // Written ones are on their way out (forgetSteps): their block holds them.
      const gens = all.some((g) => g.state === 'flushed') ? all.filter((g) => g.state !== 'flushed') : all;
      const live = this.live.get(key);
      if (gens.length === 0 && !live) continue;
      yield live ? [...gens, live] : gens;
    }
    for (const [key, live] of this.live) if (!this.sealed.has(key)) yield [live];
  }

  /** Number of traces in memory (live and sealed). */
  get traceCount(): number {
    let n = this.live.size;
    for (const g of this.sealed.values()) n += g.length;
    return n;
  }
}
