// Trace by id over blocks: only blocks whose time range overlaps the request (when given) and
// whose trace-id range holds the id are asked. This thread asks each block's bloom filter (one
// small cached object); a block that may hold the trace reads its index and one row group on the
// query pool. Blocks are asked in parallel, a bounded number at a time. A block whose row group
// holding the trace is damaged (or that is unreadable) is skipped and counted, and the answer says
// it is partial; the damage itself is logged once, by the reader that found it.
import { bytesToHex, isSpanbaseError } from '@spanbase/model';
import type { SpanRecord } from '@spanbase/model';
import { isDamageError, mapLimited } from '@spanbase/block';
import type { BlockDamage, BlockMeta, BlockReader } from '@spanbase/block';
import type { Counter, Logger } from '@spanbase/server';
import type { QueryPool } from '../pool/query-pool.ts';
import type { SourceResult, TimeRange, TraceSource } from '@spanbase/query';

function mayHold(meta: BlockMeta, hex: string, range: TimeRange | undefined): boolean {
  if (hex < meta.minTraceID || hex > meta.maxTraceID) return false;
  if (!range) return true;
  const start = BigInt(range.startSeconds) * 1_000_000_000n;
  const end = BigInt(range.endSeconds) * 1_000_000_000n;
  return BigInt(meta.endUnixNano) >= start && BigInt(meta.startUnixNano) <= end;
}

const never = new AbortController().signal;

/** The blocks a trace lookup reads: a tenant's list, their readers, and where damage is noted (a BlockCatalog fits). */
export interface TraceBlocks {
  blocks(tenant: string): BlockMeta[];
  reader(meta: BlockMeta): BlockReader;
  noteDamage(damage: readonly BlockDamage[]): void;
}

/** A TraceSource over a tenant's blocks; without a pool (an ingester's recent blocks) the reads run here. */
export function blockTraceSource(catalog: TraceBlocks, log: Logger, corrupt: Counter, pool?: QueryPool, concurrency = 32): TraceSource {
  return {
    name: 'blocks',
    async findTrace(tenant, traceId, range, signal): Promise<SourceResult> {
      const hex = bytesToHex(traceId);
      const candidates = catalog.blocks(tenant).filter((m) => mayHold(m, hex, range));
      const skipped: string[] = [];
      const found = await mapLimited(candidates, concurrency, async (meta): Promise<SpanRecord[]> => {
        try {
          const reader = catalog.reader(meta);
          if (!pool) return (await reader.findTrace(traceId, { signal })) ?? [];
          if (!(await reader.mayContainTrace(traceId, { signal }))) return [];
          const r = await pool.run({ kind: 'trace', meta, traceId }, signal ?? never);
          if (r.damage) catalog.noteDamage(r.damage);
          return r.records;
        } catch (err) {
          if (signal?.aborted) throw err;
          skipped.push(meta.blockID);
          corrupt.inc({ reason: isSpanbaseError(err) ? err.code : 'error' });
          if (isDamageError(err)) log.debug({ tenant, block: meta.blockID, err }, 'block damaged where the trace would be; skipped');
          else log.warn({ tenant, block: meta.blockID, err }, 'block unreadable during trace lookup; skipped');
          return [];
        }
      });
      return { records: found.flat(), skipped };
    },
  };
}
