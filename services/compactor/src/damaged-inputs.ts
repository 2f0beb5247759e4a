// A job's inputs, read so that damage costs only what it must. Each input is read with its
// damaged row groups left out (the block reader's skipDamaged); an input that fails as a whole
// (index and data.parquet both damaged, an object missing) ends where it failed instead of failing
// the job. What each input lost is kept, to quarantine it once the output is published.
import type { ObjectStore } from '@spanbase/backend';
import { isDamageError, isLoss, openBlock } from '@spanbase/block';
import type { BlockDamage, BlockMeta, QuarantineRecord, StoredTrace } from '@spanbase/block';

interface InputState {
  meta: BlockMeta;
  /** Spans read from it. */
  spans: number;
  /** Damage its reader met (fallbacks included). */
  damage: BlockDamage[];
  /** The error that ended it early, when it did. */
  failed?: Error;
}

/** Reads inputs and remembers what each lost. */
export class DamagedInputs {
  private readonly store: ObjectStore;
  private readonly signal: AbortSignal | undefined;
  private readonly inputs = new Map<string, InputState>();

  constructor(store: ObjectStore, signal?: AbortSignal) {
    this.store = store;
    this.signal = signal;
  }

  /** The readable traces of `meta`, in trace-id order. */
  traces(meta: BlockMeta): AsyncIterable<StoredTrace> {
    const st: InputState = { meta, spans: 0, damage: [] };
    this.inputs.set(meta.blockID, st);
    const { store, signal } = this;
    return (async function* () {
      try {
        const reader = openBlock(store, meta, { onDamage: (d) => st.damage.push(d) });
        for await (const trace of reader.iterateStoredTraces({ signal, skipDamaged: true })) {
          st.spans += trace.length;
          yield trace;
        }
      } catch (err) {
        // Aborts and store failures fail the job (it is retried); damage ends this input only.
        if (signal?.aborted || !isDamageError(err)) throw err;
        st.failed = err as Error;
      }
    })();
  }

  /** Whether spans of `meta` went into the output: true unless it was damaged and gave none. */
  carried(meta: BlockMeta): boolean {
    const st = this.inputs.get(meta.blockID);
    return !st || st.spans > 0 || !this.lost(st);
  }

  /** Every damage met, fallbacks without loss included (for the log). */
  damage(): BlockDamage[] {
    return [...this.inputs.values()].flatMap((st) => st.damage);
  }

  private lost(st: InputState): boolean {
    return st.failed !== undefined || st.damage.some(isLoss);
  }

  /** Quarantine records of the inputs that lost spans; `output` is where the rest went. */
  records(at: Date, output: string | undefined): QuarantineRecord[] {
    const out: QuarantineRecord[] = [];
    for (const st of this.inputs.values()) {
      if (!this.lost(st)) continue;
      const { meta } = st;
      const groups = st.damage.filter((d) => d.fallback === 'row-group-lost').length;
      const lostRowGroups = st.failed && st.spans === 0 ? meta.rowGroups : groups;
      const lostSpans = Math.max(0, meta.spanCount - st.spans);
      const reason = st.failed ? `unreadable: ${st.failed.message}` : `${groups} of ${meta.rowGroups} row groups unreadable (${lostSpans} spans)`;
      const damage = st.failed && !st.damage.some((d) => d.fallback === 'block-unreadable') ? [...st.damage, { tenantID: meta.tenantID, blockID: meta.blockID, object: 'block', fallback: 'block-unreadable' as const, message: st.failed.message }] : st.damage;
      out.push({ blockID: meta.blockID, tenantID: meta.tenantID, quarantinedAt: at.toISOString(), reason, damage, lostRowGroups, lostSpans, ...(this.carried(meta) && output ? { carriedInto: output } : {}) });
    }
    return out;
  }
}
