// Damage to a block, contained to the smallest unit a reader can do without. A reader that meets
// a bad object does what is listed here instead of giving up on the block, and notes it once:
//   bloom shard       → "maybe here": the lookup goes on to the index and the row group
//   value index, Parquet bloom filters → "maybe here" for every value (bloom-skipped)
//   index             → rebuilt from data.parquet (its footer and chunks, checked against meta.json)
//   Parquet footer    → row groups are not skipped by column statistics
//   tags              → the block adds nothing to autocomplete
//   column chunk      → that row group is left out of the answer (a loss: the answer is partial)
//   index and data    → the whole block is unreadable (a loss)
// Only bytes that fail their checksum, do not parse or are missing count as damage; store errors
// (timeouts, 5xx) and aborts are not damage and fail the read as before.
import { isSpanbaseError } from '@spanbase/model';
import { BlockChecksum, BlockFormat, BlockMissingObject } from './errors.ts';

/** What a reader does instead of reading a damaged object. */
export type DamageFallback = 'bloom-skipped' | 'index-rebuilt' | 'statistics-skipped' | 'tags-skipped' | 'dependencies-skipped' | 'row-group-lost' | 'block-unreadable';

/** One damaged part of a block, as a reader found it. Plain data: it crosses worker boundaries. */
export interface BlockDamage {
  /** Tenant of the block. */
  tenantID: string;
  /** The block. */
  blockID: string;
  /** The damaged object (`bloom-3`, `index`, `data.parquet`, `tags`). */
  object: string;
  /** For a damaged column chunk: its row group. */
  rowGroup?: number;
  /** Spans in that row group (what the loss costs). */
  rows?: number;
  /** What the reader does instead. */
  fallback: DamageFallback;
  /** The error met, for the operator. */
  message: string;
}

/** Fallbacks after which an answer lacks spans of the block. */
export function isLoss(d: BlockDamage): boolean {
  return d.fallback === 'row-group-lost' || d.fallback === 'block-unreadable';
}

/** True for errors that mean the bytes themselves are bad (checksum, format, missing object). */
export function isDamageError(err: unknown): boolean {
  return isSpanbaseError(err, BlockChecksum) || isSpanbaseError(err, BlockFormat) || isSpanbaseError(err, BlockMissingObject);
}

/** A stable key of a damage record: the same damage found twice has the same key. */
export function damageKey(d: BlockDamage): string {
  return `${d.tenantID}/${d.blockID}/${d.object}${d.rowGroup === undefined ? '' : `@${d.rowGroup}`}`;
}

/** Receives each damage once per reader. */
export type DamageListener = (d: BlockDamage) => void;

/**
 * Remembers damage already reported, so a listener (a log line, a counter) hears of each once
 * however many queries meet it. Bounded: past `max` keys it starts over, which at worst reports
 * something again.
 */
export class DamageLog {
  private readonly seen = new Set<string>();
  private readonly max: number;

  constructor(max = 10_000) {
    this.max = max;
  }

  /** True the first time `d` (by its key) is seen. */
  first(d: BlockDamage): boolean {
    const k = damageKey(d);
    if (this.seen.has(k)) return false;
    if (this.seen.size >= this.max) this.seen.clear();
    this.seen.add(k);
    return true;
  }
}

/** One line for logs and partial-result messages. */
export function describeDamage(d: BlockDamage): string {
  const where = d.rowGroup === undefined ? d.object : `${d.object} row group ${d.rowGroup}${d.rows === undefined ? '' : ` (${d.rows} spans)`}`;
  return `${d.tenantID}/${d.blockID} ${where}: ${d.fallback}: ${d.message}`;
}
