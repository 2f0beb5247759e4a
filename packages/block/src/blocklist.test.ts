import { zstdCompressSync } from 'node:zlib';
import { MemoryStore } from '@spanbase/backend';
import { describe, expect, it } from 'vitest';
import { deleteBlock, listBlocks, listTenants, markBlockCompacted, readTenantIndex, writeTenantIndex } from './blocklist.ts';
import { tenantIndexKey } from './keys.ts';
import { quarantineKey, readQuarantine, writeQuarantine } from './quarantine.ts';
import { writeBlock } from './registry.ts';
import { conformanceTraces } from './testing/conformance-traces.ts';

async function blocks(store: MemoryStore, tenant: string, n: number) {
  const metas = [];
  for (let i = 0; i < n; i++) metas.push(await writeBlock(store, { tenant }, conformanceTraces({ traces: 3, seed: i, bigTraceSpans: 5 })));
  return metas;
}

describe('blocklist', () => {
  it('lists live and compacted blocks per tenant, and the tenants', async () => {
    const store = new MemoryStore();
    const a = await blocks(store, 'tenant-a', 3);
    await blocks(store, 'tenant-b', 1);
    await markBlockCompacted(store, a[1], { at: new Date(0) });
    await store.put(`tenant-a/${a[2].blockID}/meta.compacted.json`, new TextEncoder().encode(JSON.stringify({ ...a[2], compactedAt: '2026-01-01T00:00:00Z' })));
    await store.put('tenant-a/not-a-block/meta.json', new Uint8Array([1]));
    await store.put('tenant-a/0b9c6f2e-8d1a-4c3b-9e7f-123456789abc/meta.json', new TextEncoder().encode('{"format":"sb1"}'));
    const list = await listBlocks(store, 'tenant-a');
    expect(list.live.map((m) => m.blockID)).toEqual([a[0].blockID]);
    expect(list.compacted.map((m) => m.blockID)).toEqual([a[1].blockID, a[2].blockID].sort());
    expect(list.compacted.find((m) => m.blockID === a[1].blockID)!.compactedAt).toBe('1970-01-01T00:00:00.000Z');
    expect(list.errors.map((e) => e.key)).toEqual(['tenant-a/0b9c6f2e-8d1a-4c3b-9e7f-123456789abc/meta.json']);
    expect(await store.get(`tenant-a/${a[1].blockID}/meta.json`)).toBeUndefined();
    expect(await listTenants(store)).toEqual(['tenant-a', 'tenant-b']);
  });

  it('lists quarantined blocks, and reads their markers', async () => {
    const store = new MemoryStore();
    const [a, b] = await blocks(store, 't', 2);
    const record = { blockID: a.blockID, tenantID: 't', quarantinedAt: '2026-01-01T00:00:00.000Z', reason: 'index and data.parquet damaged', damage: [], lostRowGroups: 1, lostSpans: 7 };
    await writeQuarantine(store, record);
    await store.put(quarantineKey('t', b.blockID), new TextEncoder().encode('{"reas'));
    const list = await listBlocks(store, 't');
    expect(list.live).toHaveLength(2);
    expect(list.quarantined).toEqual([a.blockID, b.blockID].sort());
    expect(await readQuarantine(store, 't', a.blockID)).toEqual(record);
    expect((await readQuarantine(store, 't', b.blockID))!.reason).toMatch(/does not parse/);
    await deleteBlock(store, 't', a.blockID);
    expect(await readQuarantine(store, 't', a.blockID)).toBeUndefined();
  });

  it('writes and reads the tenant manifest', async () => {
    const store = new MemoryStore();
    const metas = await blocks(store, 't', 2);
    expect(await readTenantIndex(store, 't')).toBeUndefined();
    const written = await writeTenantIndex(store, 't', { live: [metas[1]], compacted: [metas[0]] }, { createdAt: new Date(1000) });
    expect(await readTenantIndex(store, 't')).toEqual(written);
    expect(written.createdAt).toBe('1970-01-01T00:00:01.000Z');
    await store.put(tenantIndexKey('t'), new Uint8Array([1, 2, 3]));
    await expect(readTenantIndex(store, 't')).rejects.toThrow(/zstd/);
    await store.put(tenantIndexKey('t'), zstdCompressSync(JSON.stringify({ createdAt: written.createdAt, live: [{ ...metas[0], tenantID: 'other' }], compacted: [] })));
    await expect(readTenantIndex(store, 't')).rejects.toThrow(/tenant other/);
  });

  it('deletes every object of a block', async () => {
    const store = new MemoryStore();
    const [m, keep] = await blocks(store, 't', 2);
    await deleteBlock(store, 't', m.blockID);
    expect((await store.list(`t/${m.blockID}/`)).objects).toEqual([]);
    expect((await listBlocks(store, 't')).live.map((x) => x.blockID)).toEqual([keep.blockID]);
  });
});

describe('listTenants', () => {
  it('lists tenant prefixes only, not the compactor lease prefix', async () => {
    const store = new MemoryStore();
    await store.put('team-a/x', new Uint8Array(1));
    await store.put('~compactor/leases/team-a/1.json', new Uint8Array(1));
    await store.put("b!(*)'/y", new Uint8Array(1));
    expect(await listTenants(store)).toEqual(["b!(*)'", 'team-a']);
  });
});
