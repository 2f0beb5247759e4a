// Trace by id over blocks: only blocks whose time range overlaps the request (when given) and
// whose trace-id range holds the id are asked; each then checks its bloom shard, its index and
// reads one row group. Blocks are asked in parallel, a bounded number at a time. A corrupt
// block is skipped, logged and counted, and the answer says it is partial.
import { bytesToHex, isSpanbaseError } from '@spanbase/model';
import type { SpanRecord } from '@spanbase/model';
import { mapLimited } from '@spanbase/block';
import type { BlockMeta } from '@spanbase/block';
import type { Counter, Logger } from '@spanbase/server';
import type { SourceResult, TimeRange, TraceSource } from '../trace-source.ts';
import type { BlockCatalog } from './block-catalog.ts';

function mayHold(meta: BlockMeta, hex: string, range: TimeRange | undefined): boolean {
  if (hex < meta.minTraceID || hex > meta.maxTraceID) return false;
  if (!range) return true;
  const start = BigInt(range.startSeconds) * 1_000_000_000n;
  const end = BigInt(range.endSeconds) * 1_000_000_000n;
  return BigInt(meta.endUnixNano) >= start && BigInt(meta.startUnixNano) <= end;
}

/** A TraceSource over a tenant's blocks. */
export function blockTraceSource(catalog: BlockCatalog, log: Logger, corrupt: Counter, concurrency = 32): TraceSource {
  return {
    name: 'blocks',
    async findTrace(tenant, traceId, range, signal): Promise<SourceResult> {
      const hex = bytesToHex(traceId);
      const candidates = catalog.blocks(tenant).filter((m) => mayHold(m, hex, range));
      const skipped: string[] = [];
      const found = await mapLimited(candidates, concurrency, async (meta): Promise<SpanRecord[]> => {
        try {
          return (await catalog.reader(meta).findTrace(traceId, { signal })) ?? [];
        } catch (err) {
          if (signal?.aborted) throw err;
          skipped.push(meta.blockID);
          corrupt.inc({ reason: isSpanbaseError(err) ? err.code : 'error' });
          log.warn({ tenant, block: meta.blockID, err }, 'block unreadable during trace lookup; skipped');
          return [];
        }
      });
      return { records: found.flat(), skipped };
    },
  };
}
