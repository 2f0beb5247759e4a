// Dictionary summaries read ahead of searches (prefetchBlock with `summaries`): the string
// attribute columns of every row group are read once and their summaries kept (not the chunks),
// so the first pattern search rules row groups out as a warm one does instead of reading every
// dictionary. Bounded by the summaries' share of the chunk cache: it stops when that share is
// nearly full rather than evict what it has just made. The querier's workers run it in jobs of
// their own, one block at a time, so searches after a start do not wait behind it.
import type { ReadOptions } from '../format.ts';
import { GroupData } from './fetch-group.ts';
import type { Sb1Reader } from './reader.ts';
import { rowGroupOfError } from './reader.ts';

/** Columns whose summaries are read ahead: where string attribute values (and the keys of lists that may hold one) and span names are searched by pattern. */
export const SUMMARY_PREFETCH_COLUMNS = ['span_str_keys', 'span_str_values', 'span_other_keys', 'name', 'status_message'];

/** Stop once the summaries fill this share of their budget. */
const FILL_LIMIT = 0.9;

/**
 * Keeps the dictionary summaries of SUMMARY_PREFETCH_COLUMNS for every row group of the block
 * that lacks them (only with a chunk cache). Row groups with a damaged chunk are skipped: their
 * searches meet and report the damage.
 */
export async function prefetchSummaries(reader: Sb1Reader, opts?: ReadOptions): Promise<void> {
  const summaries = reader.chunkCache?.summaries;
  if (!summaries) return;
  const present = new Set(reader.columns.map((c) => c.name));
  const columns = SUMMARY_PREFETCH_COLUMNS.filter((c) => present.has(c));
  const entries = await reader.rowGroups(opts);
  for (const [i, entry] of entries.entries()) {
    if (summaries.size > FILL_LIMIT * summaries.maxBytes) return;
    const g = new GroupData(reader, i, entry);
    const missing = columns.filter((c) => !g.summary(c));
    if (missing.length === 0) continue;
    try {
      await g.load(missing, opts?.signal, false);
    } catch (err) {
      if (opts?.signal?.aborted || rowGroupOfError(err) === undefined) throw err;
      continue;
    }
    g.keepSummaries(missing);
  }
}
