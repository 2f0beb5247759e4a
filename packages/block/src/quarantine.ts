// The quarantine marker `<tenant>/<blockID>/quarantine.json`: written by the compactor beside a
// block it could not read whole, so that it stops retrying it, an operator sees it (`spanbase
// blocks list`, `blocks verify`), and what was lost is on record. The marker changes nothing for
// readers: queries keep reading what they can of a quarantined block. Its lifecycle is in
// docs/compaction.md ("Damaged blocks").
import type { ObjectStore, OpOptions } from '@spanbase/backend';
import type { BlockDamage } from './damage.ts';
import { BlockObjects, blockKey } from './keys.ts';

/** The content of quarantine.json. */
export interface QuarantineRecord {
  /** The block. */
  blockID: string;
  /** Its tenant. */
  tenantID: string;
  /** When the compactor quarantined it, RFC 3339. */
  quarantinedAt: string;
  /** Why, in one line. */
  reason: string;
  /** Each damaged part found (what readers do instead, and the error). */
  damage: BlockDamage[];
  /** Row groups whose spans could not be read. */
  lostRowGroups: number;
  /** Spans in them (when known). */
  lostSpans: number;
  /**
   * The block the readable spans were merged into, when compaction carried them; the quarantined
   * block is then marked compacted. Absent when nothing could be read: the block stays live.
   */
  carriedInto?: string;
}

/** Key of a block's quarantine marker. */
export function quarantineKey(tenant: string, blockId: string): string {
  return blockKey(tenant, blockId, BlockObjects.quarantine);
}

/** Writes a block's quarantine marker (replacing an earlier one). */
export async function writeQuarantine(store: ObjectStore, record: QuarantineRecord, opts?: OpOptions): Promise<void> {
  await store.put(quarantineKey(record.tenantID, record.blockID), new TextEncoder().encode(JSON.stringify(record, null, 2) + '\n'), opts);
}

/**
 * Reads a block's quarantine marker; undefined when the block is not quarantined. A marker that
 * does not parse still quarantines its block, with that as its reason.
 */
export async function readQuarantine(store: ObjectStore, tenant: string, blockId: string, opts?: OpOptions): Promise<QuarantineRecord | undefined> {
  const bytes = await store.get(quarantineKey(tenant, blockId), opts);
  if (!bytes) return undefined;
  try {
    const o = JSON.parse(new TextDecoder().decode(bytes)) as Partial<QuarantineRecord>;
    if (typeof o.reason !== 'string' || typeof o.quarantinedAt !== 'string') throw new Error('reason or quarantinedAt missing');
    return { blockID: blockId, tenantID: tenant, damage: [], lostRowGroups: 0, lostSpans: 0, ...o } as QuarantineRecord;
  } catch (err) {
    return { blockID: blockId, tenantID: tenant, quarantinedAt: new Date(0).toISOString(), reason: `quarantine.json does not parse: ${(err as Error).message}`, damage: [], lostRowGroups: 0, lostSpans: 0 };
  }
}
