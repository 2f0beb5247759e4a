// `spanbase blocks ...`: operator commands over the object store, with the same storage flags as
// the server (local or S3):
//   blocks list   [--tenant=T] [--json]            every block: id, level, time range, spans, traces, size
//   blocks meta   <blockID> [--tenant=T]           a block's meta.json
//   blocks trace  <traceID> [--tenant=T]           a trace from the blocks, as /api/traces/{id} returns it
//   blocks verify [<blockID>] [--tenant=T]         every object of the block(s) against meta.json's checksums
import { createObjectStore } from '@spanbase/backend';
import type { ObjectStore } from '@spanbase/backend';
import { formatCount, storageSettings } from '@spanbase/config';
import type { Config } from '@spanbase/config';
import { listBlocks, listTenants, openBlock } from '@spanbase/block';
import type { BlockMeta } from '@spanbase/block';
import { dedupeSpanRecords, groupSpanRecords, parseTraceIdParam } from '@spanbase/model';
import { tracesDataToJson } from '@spanbase/otlp';

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

async function findBlock(store: ObjectStore, tenants: string[], id: string): Promise<{ meta: BlockMeta; compacted: boolean } | undefined> {
  for (const tenant of tenants) {
    const list = await listBlocks(store, tenant);
    const live = list.live.find((m) => m.blockID === id);
    if (live) return { meta: live, compacted: false };
    const compacted = list.compacted.find((m) => m.blockID === id);
    if (compacted) return { meta: compacted, compacted: true };
  }
  return undefined;
}

/** Runs `spanbase blocks <sub> ...`; returns the exit code. */
export async function runBlocksCommand(args: string[], cfg: Config, switches: Map<string, string | true>, io: Io): Promise<number> {
  const [sub, arg] = args;
  const store = createObjectStore(storageSettings(cfg, { withCache: false }));
  const tenants = await tenantsOf(store, switches);
  switch (sub) {
    case 'list': {
      const rows: (BlockMeta & { tenant: string; state: string })[] = [];
      for (const tenant of tenants) {
        const list = await listBlocks(store, tenant);
        for (const m of list.live) rows.push({ ...m, tenant, state: 'live' });
        for (const m of list.compacted) rows.push({ ...m, tenant, state: 'compacted' });
        for (const e of list.errors) io.err(`unreadable meta ${e.key}: ${(e.error as Error).message}\n`);
      }
      rows.sort((a, b) => (a.tenant < b.tenant ? -1 : a.tenant > b.tenant ? 1 : a.startTime < b.startTime ? -1 : 1));
      if (switches.has('json')) {
        io.out(JSON.stringify(rows, null, 2) + '\n');
        return 0;
      }
      io.out(['tenant', 'block', 'state', 'level', 'start', 'end', 'spans', 'traces', 'size'].join('\t') + '\n');
      for (const r of rows) io.out([r.tenant, r.blockID, r.state, r.compactionLevel, r.startTime, r.endTime, r.spanCount, r.totalObjects, formatBytes(r.size)].join('\t') + '\n');
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
      io.out(JSON.stringify(found.meta, null, 2) + '\n');
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
    case 'verify': {
      const metas: BlockMeta[] = [];
      if (arg) {
        const found = await findBlock(store, tenants, arg);
        if (!found) {
          io.err(`block ${arg} not found\n`);
          return 1;
        }
        metas.push(found.meta);
      } else {
        for (const tenant of tenants) metas.push(...(await listBlocks(store, tenant)).live);
      }
      let bad = 0;
      for (const [i, meta] of metas.entries()) {
        const report = await openBlock(store, meta).verify();
        if (report.ok) io.out(`ok       ${meta.tenantID}/${meta.blockID} (${report.checked.length} objects)\n`);
        else {
          bad++;
          for (const issue of report.issues) io.out(`CORRUPT  ${meta.tenantID}/${meta.blockID} ${issue.object}: ${issue.problem}: ${issue.message}\n`);
        }
        if (metas.length > 20 && (i + 1) % 20 === 0) io.err(`verified ${i + 1}/${metas.length}\n`);
      }
      io.err(`${metas.length - bad} of ${formatCount(metas.length, 'block')} ok\n`);
      return bad > 0 ? 1 : 0;
    }
    default:
      return usage(io, 'blocks list|meta <blockID>|trace <traceID>|verify [<blockID>]');
  }
}

function usage(io: Io, text: string): number {
  io.err(`usage: spanbase ${text} [--tenant=T] [storage flags]\n`);
  return 2;
}
