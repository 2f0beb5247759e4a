// Damaging blocks for the fault tests (test/faults/block-*, compaction-*): the stores they run on
// (local disk and S3 through s3rver), and byte-level damage to one object of a block, made by
// rewriting the stored object itself, so every reader after that meets it.
import type { ObjectStore, ObjectStoreConfig } from '@spanbase/backend';
import { createObjectStore } from '@spanbase/backend';
import { BlockObjects, blockKey, openBlock } from '@spanbase/block';
import type { BlockMeta, RowGroupEntry, Sb1Reader } from '@spanbase/block';
import type { Config } from '@spanbase/config';
import { s3TestConfig } from '../setup/s3.ts';
import { tempDir } from './harness.ts';

/** Settings of a fresh, empty store for each fault-test backend, by name. */
export const FAULT_STORE_CONFIGS: [string, () => ObjectStoreConfig][] = [
  ['local disk', () => ({ backend: 'local', local: { path: tempDir('sb-faults-') } })],
  ['S3 (s3rver)', () => ({ backend: 's3', s3: s3TestConfig() })],
];

/** A fresh, empty store of each fault-test backend, by name. */
export const FAULT_STORES: [string, () => ObjectStore][] = FAULT_STORE_CONFIGS.map(([name, config]) => [name, () => createObjectStore(config())]);

/** Flips bits of the bytes at `offsets` of an object, in the store. */
export async function flipBytes(store: ObjectStore, key: string, offsets: readonly number[]): Promise<void> {
  const bytes = await store.get(key);
  if (!bytes) throw new Error(`${key} does not exist`);
  const copy = new Uint8Array(bytes);
  for (const at of offsets) copy[at] ^= 0x5a;
  await store.put(key, copy);
}

/** Cuts an object to its first half, in the store. */
export async function truncateHalf(store: ObjectStore, key: string): Promise<void> {
  const bytes = await store.get(key);
  if (!bytes) throw new Error(`${key} does not exist`);
  await store.put(key, bytes.slice(0, bytes.length >> 1));
}

/** The key of one object of a block. */
export function objectKey(meta: BlockMeta, object: string): string {
  return blockKey(meta.tenantID, meta.blockID, object);
}

/** The row groups of a healthy block (read before damaging it). */
export async function rowGroupsOf(store: ObjectStore, meta: BlockMeta): Promise<readonly RowGroupEntry[]> {
  return (openBlock(store, meta) as Sb1Reader).rowGroups();
}

/** Damages the chunk of `column` in row group `group` of data.parquet (one byte in its middle). */
export async function damageChunk(store: ObjectStore, meta: BlockMeta, group: number, column = 'duration_nano'): Promise<RowGroupEntry> {
  const reader = openBlock(store, meta) as Sb1Reader;
  const rg = (await reader.rowGroups())[group];
  const c = reader.columns.findIndex((x) => x.name === column);
  await flipBytes(store, objectKey(meta, BlockObjects.data), [rg.offset + Math.floor((rg.chunkOffsets[c] + rg.chunkOffsets[c + 1]) / 2)]);
  return rg;
}

/** The storage flags (as config keys) that point a command at the store `config` describes. */
export function storageFlags(config: ObjectStoreConfig): Partial<Config> {
  if (config.backend === 'local') return { 'storage.backend': 'local', 'storage.local.path': config.local!.path };
  const s3 = config.s3!;
  return {
    'storage.backend': 's3',
    'storage.s3.bucket': s3.bucket,
    'storage.s3.endpoint': s3.endpoint ?? '',
    'storage.s3.region': s3.region ?? 'us-east-1',
    'storage.s3.prefix': s3.prefix ?? '',
    'storage.s3.force-path-style': s3.forcePathStyle ?? false,
    'storage.s3.access-key-id': s3.accessKeyId ?? '',
    'storage.s3.secret-access-key': s3.secretAccessKey ?? '',
  };
}
