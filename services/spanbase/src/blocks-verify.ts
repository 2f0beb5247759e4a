// `spanbase blocks verify [<blockID>]`: every live block's meta.json (parsed, its keys checked
// against each other) and every object it lists (size, CRC32C, parsed); blocks whose meta.json does
// not parse; and quarantined blocks (live or compacted), with the reason the compactor recorded.
// Exit codes: 0 all good, 1 something is wrong, 3 nothing was found to verify (an empty or wrong
// store, path or tenant), so a cron job that points at the wrong place does not pass quietly.
import { existsSync } from 'node:fs';
import type { ObjectStore, ObjectStoreConfig } from '@spanbase/backend';
import { listBlocks, openBlock, readQuarantine } from '@spanbase/block';
import type { BlockMeta, QuarantineRecord, VerifyIssue } from '@spanbase/block';
import type { Io } from './blocks-cli.ts';

/** Exit code when there was nothing to verify. */
export const NOTHING_FOUND = 3;

/** Where the store is, in words (for "nothing found"). */
export function describeStore(config: ObjectStoreConfig): string {
  if (config.backend === 'local') return `local path ${config.local?.path}${config.local && !existsSync(config.local.path) ? ' (it does not exist)' : ''}`;
  const s3 = config.s3;
  return `S3 bucket ${s3?.bucket}${s3?.prefix ? ` under prefix ${s3.prefix}` : ''}${s3?.endpoint ? ` at ${s3.endpoint}` : ''}`;
}

function quarantineLine(q: QuarantineRecord, state: string): string {
  const carried = q.carriedInto ? `; readable spans carried into ${q.carriedInto}` : '';
  return `QUARANTINED ${q.tenantID}/${q.blockID} (${state}) since ${q.quarantinedAt}: ${q.reason}${carried}\n`;
}

/** Verifies the blocks of `tenants` (or only `only`); returns the exit code. */
export async function verifyBlocks(store: ObjectStore, config: ObjectStoreConfig, tenants: readonly string[], only: string | undefined, io: Io): Promise<number> {
  const seen = new Set<string>();
  const verified: BlockMeta[] = [];
  let broken = 0;
  let quarantined = 0;
  const wanted = (id: string) => only === undefined || id === only;
  for (const tenant of tenants) {
    const list = await listBlocks(store, tenant);
    const unreadable = new Set<string>();
    for (const e of list.errors) {
      const [id, object] = e.key.split('/').slice(-2);
      if (!wanted(id)) continue;
      seen.add(`${tenant}/${id}`);
      unreadable.add(id);
      broken++;
      io.out(`CORRUPT  ${tenant}/${id} ${object}: format: ${(e.error as Error).message}\n`);
    }
    for (const m of list.live.filter((x) => wanted(x.blockID))) {
      seen.add(`${tenant}/${m.blockID}`);
      verified.push(m);
    }
    const compacted = new Set(list.compacted.map((m) => m.blockID));
    for (const id of list.quarantined.filter(wanted)) {
      const q = await readQuarantine(store, tenant, id);
      if (!q) continue;
      seen.add(`${tenant}/${id}`);
      quarantined++;
      io.out(quarantineLine(q, unreadable.has(id) ? 'meta unreadable' : compacted.has(id) ? 'compacted' : 'live'));
    }
  }
  if (seen.size === 0) {
    const where = describeStore(config);
    if (only) {
      io.err(`block ${only} not found in ${where}\n`);
      return 1;
    }
    io.err(`no blocks found in ${where}${tenants.length === 1 ? ` for tenant ${tenants[0]}` : ''}: nothing to verify (check the --storage.* flags and --tenant)\n`);
    return NOTHING_FOUND;
  }
  let corrupt = 0;
  for (const [i, meta] of verified.entries()) {
    let issues: VerifyIssue[];
    try {
      issues = (await openBlock(store, meta).verify()).issues;
    } catch (err) {
      issues = [{ object: 'meta.json', problem: 'format', message: (err as Error).message }];
    }
    if (issues.length === 0) io.out(`ok       ${meta.tenantID}/${meta.blockID}\n`);
    else corrupt++;
    for (const issue of issues) io.out(`CORRUPT  ${meta.tenantID}/${meta.blockID} ${issue.object}: ${issue.problem}: ${issue.message}\n`);
    if (verified.length > 20 && (i + 1) % 20 === 0) io.err(`verified ${i + 1}/${verified.length}\n`);
  }
  io.err(`${verified.length - corrupt} of ${verified.length} live blocks ok, ${corrupt + broken} corrupt (${broken} with an unreadable meta), ${quarantined} quarantined\n`);
  return corrupt + broken + quarantined > 0 ? 1 : 0;
}
