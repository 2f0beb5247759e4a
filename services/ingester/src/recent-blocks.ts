// Blocks this ingester flushed recently, when the roles run apart: their traces have left its
// memory, and the frontend and queriers see a new block only after their next poll of the object
// store, so until then the ingester names them in its live answers (the caller reads the ones it
// does not know yet) and finds traces in them itself.
import { bytesToHex } from '@spanbase/model';
import type { SpanRecord } from '@spanbase/model';
import type { BlockMeta } from '@spanbase/block';
import type { BlockCatalog } from '@spanbase/query';
import type { Logger } from '@spanbase/server';

/** The recently flushed blocks of each tenant. */
export interface RecentBlocks {
  /** Metas of the tenant's recent blocks. */
  metas(tenant: string): BlockMeta[];
  /** A trace's spans in them (blocks that cannot be read are skipped and logged). */
  findTrace(tenant: string, traceId: Uint8Array, signal?: AbortSignal): Promise<SpanRecord[]>;
}

/** Recent blocks kept by a catalog that holds only this process's blocks (see BlockCatalog's localOnlyForMs). */
export function recentBlocks(catalog: BlockCatalog, log: Logger): RecentBlocks {
  return {
    metas: (tenant) => catalog.blocks(tenant),
    async findTrace(tenant, traceId, signal) {
      const hex = bytesToHex(traceId);
      const out: SpanRecord[] = [];
      for (const meta of catalog.blocks(tenant)) {
        if (hex < meta.minTraceID || hex > meta.maxTraceID) continue;
        try {
          const reader = catalog.reader(meta);
          if (!(await reader.mayContainTrace(traceId, { signal }))) continue;
          out.push(...((await reader.findTrace(traceId, { signal })) ?? []));
        } catch (err) {
          if (signal?.aborted) throw err;
          log.warn({ tenant, block: meta.blockID, err }, 'recent block unreadable during a trace lookup; skipped');
        }
      }
      return out;
    },
  };
}
