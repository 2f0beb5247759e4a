// Fault suite: `spanbase blocks verify` checks metas as well as objects, reports quarantined
// blocks, and exits non-zero when anything is wrong (1) or when there was nothing to verify (3),
// instead of "0 of 0 blocks ok". `blocks list` and `blocks meta` show quarantined and unreadable
// blocks. On local disk and on S3 (s3rver), through the command itself.
import type { ObjectStore, ObjectStoreConfig } from '@spanbase/backend';
import { createObjectStore } from '@spanbase/backend';
import { BlockObjects, serializeBlockMeta, writeBlock, writeQuarantine } from '@spanbase/block';
import type { BlockMeta } from '@spanbase/block';
import { generateRealisticTraces } from '@spanbase/block/testing';
import { defaultConfig } from '@spanbase/config';
import type { Config } from '@spanbase/config';
import { runBlocksCommand } from 'spanbase';
import { describe, expect, it } from 'vitest';
import { FAULT_STORE_CONFIGS, objectKey, storageFlags, truncateHalf } from '../src/block-damage.ts';
import { tempDir } from '../src/harness.ts';

const TENANT = 'faults';

async function cli(flags: Partial<Config>, ...args: string[]): Promise<{ code: number; out: string; err: string }> {
  const r = { code: 0, out: '', err: '' };
  const switches = new Map<string, string | true>();
  const positional = args.filter((a) => !a.startsWith('--'));
  for (const a of args.filter((x) => x.startsWith('--'))) switches.set(a.slice(2).split('=')[0], a.includes('=') ? a.split('=')[1] : true);
  r.code = await runBlocksCommand(positional, defaultConfig(flags), switches, { out: (s) => void (r.out += s), err: (s) => void (r.err += s) });
  return r;
}

async function blocks(store: ObjectStore, n: number): Promise<BlockMeta[]> {
  const out = [];
  for (let i = 0; i < n; i++) out.push(await writeBlock(store, { tenant: TENANT }, generateRealisticTraces({ traces: 20, seed: i })));
  return out;
}

describe.each(FAULT_STORE_CONFIGS)('spanbase blocks verify, on %s', (_name, makeConfig) => {
  let config: ObjectStoreConfig;
  let store: ObjectStore;
  const flags = () => storageFlags(config);

  it('passes healthy blocks with exit 0', async () => {
    config = makeConfig();
    store = createObjectStore(config);
    await blocks(store, 3);
    const r = await cli(flags(), 'verify');
    expect(r.code).toBe(0);
    expect(r.out.match(/^ok /gm)).toHaveLength(3);
    expect(r.err).toMatch(/3 of 3 live blocks ok, 0 corrupt .* 0 quarantined/);
  });

  it('fails on a meta.json cut in half, naming it, and lists the block as unreadable', async () => {
    config = makeConfig();
    store = createObjectStore(config);
    const [a, b] = await blocks(store, 3);
    await truncateHalf(store, objectKey(a, BlockObjects.meta));
    const r = await cli(flags(), 'verify');
    expect(r.code).toBe(1);
    expect(r.out).toContain(`CORRUPT  ${TENANT}/${a.blockID} meta.json: format:`);
    expect(r.out.match(/^ok /gm)).toHaveLength(2);
    expect((await cli(flags(), 'verify', a.blockID)).code).toBe(1);
    expect((await cli(flags(), 'verify', b.blockID)).code).toBe(0);
    const list = await cli(flags(), 'list');
    expect(list.out).toMatch(new RegExp(`^${TENANT}\\t${a.blockID}\\tunreadable\\t`, 'm'));
    expect((await cli(flags(), 'meta', a.blockID)).code).toBe(1);
  });

  it('fails on a meta.json whose keys parse but do not add up', async () => {
    config = makeConfig();
    store = createObjectStore(config);
    const [a] = await blocks(store, 1);
    await store.put(objectKey(a, BlockObjects.meta), serializeBlockMeta({ ...a, bloomShards: a.bloomShards + 1 }));
    const r = await cli(flags(), 'verify');
    expect(r.code).toBe(1);
    expect(r.out).toMatch(/CORRUPT .* meta\.json: format: meta\.json: bloomShards is \d+ but \d+ bloom shards have checksums/);
  });

  it('reports quarantined blocks and fails until the operator has dealt with them', async () => {
    config = makeConfig();
    store = createObjectStore(config);
    const [a] = await blocks(store, 2);
    const record = { blockID: a.blockID, tenantID: TENANT, quarantinedAt: '2026-11-01T10:00:00.000Z', reason: '1 of 3 row groups unreadable (200 spans)', damage: [], lostRowGroups: 1, lostSpans: 200 };
    await writeQuarantine(store, record);
    const r = await cli(flags(), 'verify');
    expect(r.code).toBe(1);
    expect(r.out).toContain(`QUARANTINED ${TENANT}/${a.blockID} (live) since 2026-11-01T10:00:00.000Z: 1 of 3 row groups unreadable (200 spans)`);
    expect(r.err).toMatch(/2 of 2 live blocks ok, 0 corrupt .* 1 quarantined/);
    expect((await cli(flags(), 'list')).out).toMatch(new RegExp(`\\t${a.blockID}\\tlive,quarantined\\t`));
    const meta = JSON.parse((await cli(flags(), 'meta', a.blockID)).out) as BlockMeta & { quarantine: unknown };
    expect(meta.blockID).toBe(a.blockID);
    expect(meta.quarantine).toEqual(record);
    await store.delete(objectKey(a, BlockObjects.quarantine));
    expect((await cli(flags(), 'verify')).code).toBe(0);
  });

  it('says plainly that it found nothing, and exits 3, for an empty store or a wrong tenant', async () => {
    config = makeConfig();
    store = createObjectStore(config);
    const empty = await cli(flags(), 'verify');
    expect(empty.code).toBe(3);
    expect(empty.err).toMatch(/^no blocks found in .*: nothing to verify/);
    await blocks(store, 1);
    const wrong = await cli(flags(), 'verify', '--tenant=nobody');
    expect(wrong.code).toBe(3);
    expect(wrong.err).toMatch(/no blocks found in .* for tenant nobody/);
    expect((await cli(flags(), 'verify', '00000000-0000-4000-8000-000000000000')).code).toBe(1);
  });
});

describe('spanbase blocks verify on a path that does not exist', () => {
  it('says so and exits 3', async () => {
    const r = await cli({ 'storage.local.path': `${tempDir('sb-verify-')}/not-here` }, 'verify');
    expect(r.code).toBe(3);
    expect(r.err).toMatch(/no blocks found in local path .*not-here \(it does not exist\)/);
  });
});
