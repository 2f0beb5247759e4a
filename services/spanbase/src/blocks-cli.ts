// `spanbase blocks ...`: operator commands over the object store, with the same storage flags as
// the server (local or S3):
//   blocks list   [--tenant=T] [--json]            every block: id, state, level, time range, spans, traces, size
//   blocks meta   <blockID> [--tenant=T]           a block's meta.json (and its quarantine record, if any)
//   blocks trace  <traceID> [--tenant=T]           a trace from the blocks, as /api/traces/{id} returns it
//   blocks verify [<blockID>] [--tenant=T]         metas and objects against their checksums (blocks-verify.ts)
import { createObjectStore } from '@spanbase/backend';
import type { ObjectStore } from '@spanbase/backend';
import { formatCount, storageSettings } from '@spanbase/config';
import type { Config } from '@spanbase/config';
import { listBlocks, listTenants, openBlock, readQuarantine } from '@spanbase/block';
import type { BlockMeta, QuarantineRecord } from '@spanbase/block';
import { dedupeSpanRecords, groupSpanRecords, parseTraceIdParam } from '@spanbase/model';
import { tracesDataToJson } from '@spanbase/otlp';
import { verifyBlocks } from './blocks-verify.ts';

/** Switches the blocks command accepts. */
export const BLOCKS_SWITCHES = ['tenant', 'json'];

/** Where output goes (tests capture it). */
export interface Io {
  out: (s: string) => void;
  err: (s: string) => void;
}

function formatBytes(n: number): string {
  if (n >= 1 << 30) return `${(n / (1 << 30)).toFixed(1)}GiB`;
  if (n >= 1 << 20) return `${(n / (1 << 20)).toFixed(1)}MiB`;
  if (n >= 1 << 10) return `${(n / (1 << 10)).toFixed(1)}KiB`;
  return `${n}B`;
}

async function tenantsOf(store: ObjectStore, switches: Map<string, string | true>): Promise<string[]> {
  const t = switches.get('tenant');
  if (typeof t === 'string') return [t];
  return listTenants(store);
}

/** A block as `meta` finds it: its meta, or why there is none; and its quarantine record. */
interface FoundBlock {
  tenant: string;
  meta?: BlockMeta;
  /** Why meta.json does not parse. */
  error?: Error;
  quarantine?: QuarantineRecord;
}

async function findBlock(store: ObjectStore, tenants: string[], id: string): Promise<FoundBlock | undefined> {
  for (const tenant of tenants) {
    const list = await listBlocks(store, tenant);
    const meta = list.live.find((m) => m.blockID === id) ?? list.compacted.find((m) => m.blockID === id);
    const error = list.errors.find((e) => e.key.split('/').at(-2) === id)?.error as Error | undefined;
    if (!meta && !error && !list.quarantined.includes(id)) continue;
    return { tenant, meta, error, quarantine: list.quarantined.includes(id) ? await readQuarantine(store, tenant, id) : undefined };
  }
  return undefined;
}

/** Runs `spanbase blocks <sub> ...`; returns the exit code. */
export async function runBlocksCommand(args: string[], cfg: Config, switches: Map<string, string | true>, io: Io): Promise<number> {
  const [sub, arg] = args;
  const config = storageSettings(cfg, { withCache: false });
  const store = createObjectStore(config);
  const tenants = await tenantsOf(store, switches);
  switch (sub) {
    case 'list': {
      // state: live | compacted | unreadable (meta.json does not parse), with `quarantined` added
      // for blocks the compactor quarantined.
      const rows: (Partial<BlockMeta> & { tenant: string; blockID: string; state: string; quarantine?: QuarantineRecord; error?: string })[] = [];
      for (const tenant of tenants) {
        const list = await listBlocks(store, tenant);
        const q = new Set(list.quarantined);
        const marker = async (id: string) => (q.has(id) ? { quarantine: await readQuarantine(store, tenant, id) } : {});
        const state = (base: string, id: string) => (q.has(id) ? `${base},quarantined` : base);
        for (const m of list.live) rows.push({ ...m, tenant, state: state('live', m.blockID), ...(await marker(m.blockID)) });
        for (const m of list.compacted) rows.push({ ...m, tenant, state: state('compacted', m.blockID), ...(await marker(m.blockID)) });
        for (const e of list.errors) {
          const id = e.key.split('/').at(-2)!;
          rows.push({ tenant, blockID: id, state: state('unreadable', id), error: (e.error as Error).message, ...(await marker(id)) });
          io.err(`unreadable meta ${e.key}: ${(e.error as Error).message}\n`);
        }
      }
      rows.sort((a, b) => (a.tenant < b.tenant ? -1 : a.tenant > b.tenant ? 1 : (a.startTime ?? '') < (b.startTime ?? '') ? -1 : 1));
      if (switches.has('json')) {
        io.out(JSON.stringify(rows, null, 2) + '\n');
        return 0;
      }
      io.out(['tenant', 'block', 'state', 'level', 'start', 'end', 'spans', 'traces', 'size'].join('\t') + '\n');
      for (const r of rows) io.out([r.tenant, r.blockID, r.state, r.compactionLevel ?? '-', r.startTime ?? '-', r.endTime ?? '-', r.spanCount ?? '-', r.totalObjects ?? '-', r.size === undefined ? '-' : formatBytes(r.size)].join('\t') + '\n');
      for (const r of rows) if (r.quarantine) io.err(`quarantined ${r.tenant}/${r.blockID}: ${r.quarantine.reason}\n`);
      io.err(`${formatCount(rows.length, 'block')} in ${formatCount(tenants.length, 'tenant')}\n`);
      return 0;
    }
    case 'meta': {
      if (!arg) return usage(io, 'blocks meta <blockID>');
      const found = await findBlock(store, tenants, arg);
      if (!found) {
        io.err(`block ${arg} not found\n`);
        return 1;
      }
      if (!found.meta) {
        io.err(`block ${found.tenant}/${arg}: meta.json ${found.error ? `does not parse: ${found.error.message}` : 'is missing'}\n`);
        if (found.quarantine) io.out(JSON.stringify({ quarantine: found.quarantine }, null, 2) + '\n');
        return 1;
      }
      // meta.json as stored, plus the quarantine record under a key of its own when there is one.
      io.out(JSON.stringify(found.quarantine ? { ...found.meta, quarantine: found.quarantine } : found.meta, null, 2) + '\n');
      return 0;
    }
    case 'trace': {
      const id = arg ? parseTraceIdParam(arg) : undefined;
      if (!id) return usage(io, 'blocks trace <traceID (1 to 32 hex characters)>');
      const records = [];
      for (const tenant of tenants) {
        for (const meta of (await listBlocks(store, tenant)).live) {
          try {
            records.push(...((await openBlock(store, meta).findTrace(id)) ?? []));
          } catch (err) {
            io.err(`block ${meta.blockID} unreadable: ${(err as Error).message}\n`);
          }
        }
      }
      if (records.length === 0) {
        io.err(`trace ${arg} not found in any block\n`);
        return 1;
      }
      const json = tracesDataToJson(groupSpanRecords(dedupeSpanRecords(records)), { ids: 'base64' }) as { resourceSpans?: unknown[] };
      io.out(JSON.stringify({ batches: json.resourceSpans ?? [] }, null, 2) + '\n');
      return 0;
    }
    case 'verify':
      return verifyBlocks(store, config, tenants, arg, io);
    default:
      return usage(io, 'blocks list|meta <blockID>|trace <traceID>|verify [<blockID>]');
  }
}

function usage(io: Io, text: string): number {
  io.err(`usage: spanbase ${text} [--tenant=T] [storage flags]\n`);
  return 2;
}
