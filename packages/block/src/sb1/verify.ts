// verify(): meta.json's keys against each other, then every object of a block against meta.json's
// size and CRC32C, then parsed. Large
// objects are read in ranges so memory stays small; when data.parquet does not match, the index's
// chunk checksums name the row groups and columns that are damaged.
import { zstdDecompressSync } from 'node:zlib';
import type { ObjectStore } from '@spanbase/backend';
import { crc32c } from '@spanbase/model';
import type { ReadOptions, VerifyIssue, VerifyReport } from '../format.ts';
import { BlockObjects } from '../keys.ts';
import type { BlockMeta } from '../meta.ts';
import { crcHex } from '../meta.ts';
import { parseBloomShard } from './bloom.ts';
import { decodeIndex } from './index-file.ts';
import type { BlockIndex } from './index-file.ts';
import type { ColumnSpec } from './schema.ts';
import { ValueIndex } from './value-index.ts';
import { checkDependencySummary } from './dependencies.ts';

const RANGE = 8 * 1024 * 1024;

async function rangedCrc(store: ObjectStore, key: string, size: number, signal?: AbortSignal): Promise<number | undefined> {
  let crc = 0;
  for (let at = 0; at < size; at += RANGE) {
    const part = await store.getRange(key, at, Math.min(RANGE, size - at), { signal });
    if (!part) return undefined;
    crc = crc32c(part, crc);
  }
  return crc;
}

async function damagedChunks(store: ObjectStore, key: string, index: BlockIndex, columns: readonly ColumnSpec[], signal?: AbortSignal): Promise<string[]> {
  const bad: string[] = [];
  for (const [g, rg] of index.rowGroups.entries()) {
    const bytes = await store.getRange(key, rg.offset, rg.length, { signal });
    if (!bytes || bytes.length !== rg.length) {
      bad.push(`row group ${g} is short`);
      continue;
    }
    for (let c = 0; c < columns.length; c++) {
      if (crc32c(bytes, 0, rg.chunkOffsets[c], rg.chunkOffsets[c + 1]) !== rg.chunkCrcs[c]) bad.push(`row group ${g} column ${columns[c].name}`);
    }
  }
  const footer = await store.getRange(key, index.footerOffset, index.dataSize - index.footerOffset, { signal });
  if (!footer || crc32c(footer) !== index.footerCrc) bad.push('Parquet footer');
  return bad;
}

/** What meta.json says that does not add up (parseBlockMeta has checked each key on its own). */
export function metaIssues(meta: BlockMeta): VerifyIssue[] {
  const out: VerifyIssue[] = [];
  const bad = (message: string) => out.push({ object: BlockObjects.meta, problem: 'format', message: `meta.json: ${message}` });
  const data = meta.checksums[BlockObjects.data];
  if (data && data.size !== meta.size) bad(`size ${meta.size} is not the ${data.size} bytes its checksum entry gives data.parquet`);
  if (meta.footerSize + 12 > meta.size) bad(`footerSize ${meta.footerSize} does not fit in ${meta.size} bytes of data.parquet`);
  const shards = Object.keys(meta.checksums).filter((k) => k.startsWith('bloom-')).length;
  if (shards !== meta.bloomShards) bad(`bloomShards is ${meta.bloomShards} but ${shards} bloom shards have checksums`);
  if (meta.rowGroups < 1 || meta.spanCount < meta.rowGroups || meta.totalObjects < 1 || meta.totalObjects > meta.spanCount) bad(`counts do not add up: ${meta.rowGroups} row groups, ${meta.totalObjects} traces, ${meta.spanCount} spans`);
  return out;
}

/** Checks meta.json and every object of an sb1 block. */
export async function verifyBlock(store: ObjectStore, meta: BlockMeta, key: (object: string) => string, columns: readonly ColumnSpec[], opts?: ReadOptions): Promise<VerifyReport> {
  const signal = opts?.signal;
  const issues: VerifyIssue[] = [];
  const checked: string[] = [];
  let index: BlockIndex | undefined;
  const expected = [BlockObjects.data, BlockObjects.index, BlockObjects.tags, ...Array.from({ length: meta.bloomShards }, (_, i) => BlockObjects.bloom(i))];
  for (const object of expected) if (!meta.checksums[object]) issues.push({ object, problem: 'missing', message: `meta.json lists no checksum for ${object}` });
  issues.push(...metaIssues(meta));
  for (const [object, want] of Object.entries(meta.checksums)) {
    checked.push(object);
    const k = key(object);
    // data.parquet can be large: its size comes from head() and its CRC from ranged reads.
    let bytes: Uint8Array | undefined;
    let size: number | undefined;
    if (object === BlockObjects.data) size = (await store.head(k, { signal }))?.size;
    else size = (bytes = await store.get(k, { signal }))?.length;
    if (size === undefined) {
      issues.push({ object, problem: 'missing', message: `${k} does not exist` });
      continue;
    }
    if (size !== want.size) {
      issues.push({ object, problem: 'size', message: `${k} has ${size} bytes, meta.json says ${want.size}` });
      continue;
    }
    const crc = bytes ? crc32c(bytes) : await rangedCrc(store, k, size, signal);
    if (crc === undefined) {
      issues.push({ object, problem: 'missing', message: `${k} disappeared while being read` });
      continue;
    }
    if (crcHex(crc) !== want.crc32c) {
      issues.push({ object, problem: 'checksum', message: `${k} does not match its checksum` });
      continue;
    }
    if (!bytes) continue;
    try {
      if (object === BlockObjects.index) {
        index = decodeIndex(bytes);
        if (index.dataSize !== meta.size || index.rowGroups.length !== meta.rowGroups) throw new Error('index does not match meta.json');
      } else if (object === BlockObjects.tags) {
        JSON.parse(new TextDecoder().decode(zstdDecompressSync(bytes)));
      } else if (object === BlockObjects.dependencies) {
        checkDependencySummary(JSON.parse(new TextDecoder().decode(zstdDecompressSync(bytes))));
      } else if (object === BlockObjects.values) {
        ValueIndex.parse(bytes, meta.rowGroups);
      } else if (object.startsWith('bloom-')) {
        const shard = parseBloomShard(bytes);
        if (shard.shardCount !== meta.bloomShards || `bloom-${shard.shardIndex}` !== object) throw new Error('shard header does not match meta.json');
      }
    } catch (err) {
      issues.push({ object, problem: 'format', message: `${k}: ${err instanceof Error ? err.message : String(err)}` });
    }
  }
  // The Parquet bloom filters and page index have their own checksums: data.parquet can match
  // meta.json as a whole only if they do, but they are named on their own so a report says what
  // a reader loses.
  for (const [range, object, what] of [[meta.columnBlooms, `${BlockObjects.data} blooms`, 'Parquet bloom filters'], [meta.pageIndex, `${BlockObjects.data} page index`, 'Parquet page index']] as const) {
    if (!range) continue;
    checked.push(object);
    const bytes = await store.getRange(key(BlockObjects.data), range.offset, range.size, { signal });
    if (!bytes || bytes.length !== range.size || crcHex(crc32c(bytes)) !== range.crc32c) issues.push({ object, problem: 'checksum', message: `${key(BlockObjects.data)}: ${what} at ${range.offset} do not match their checksum` });
  }
  const dataIssue = issues.find((i) => i.object === BlockObjects.data && i.problem === 'checksum');
  if (dataIssue && index) {
    const bad = await damagedChunks(store, key(BlockObjects.data), index, columns, signal);
    if (bad.length) dataIssue.message += `; damaged: ${bad.join(', ')}`;
  }
  return { ok: issues.length === 0, checked, issues };
}
