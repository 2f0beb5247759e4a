// Object keys of a block and a tenant, exactly as ARCHITECTURE §3 lays them out.

/** `<tenant>/<blockID>/`. */
export function blockPrefix(tenant: string, blockId: string): string {
  return `${tenant}/${blockId}/`;
}

/** Object names inside a block's prefix. */
export const BlockObjects = {
  meta: 'meta.json',
  compactedMeta: 'meta.compacted.json',
  data: 'data.parquet',
  index: 'index',
  tags: 'tags',
  /** The service dependency graph (sb1/dependencies.ts); absent in older blocks. */
  dependencies: 'dependencies',
  /** The attribute value index (sb1/value-index.ts); absent in older blocks. */
  values: 'values',
  /** Written by the compactor beside a block it could not read whole (quarantine.ts). */
  quarantine: 'quarantine.json',
  bloom: (n: number) => `bloom-${n}`,
} as const;

/** Full key of one object of a block. */
export function blockKey(tenant: string, blockId: string, object: string): string {
  return blockPrefix(tenant, blockId) + object;
}

/** `<tenant>/index.json.zst`: the tenant manifest. */
export function tenantIndexKey(tenant: string): string {
  return `${tenant}/index.json.zst`;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/** True for a block id as Spanbase writes them: a lowercase UUID. */
export function isBlockId(id: string): boolean {
  return UUID.test(id);
}
