import { mkdir, mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isSpanbaseError } from '@spanbase/model';
import { StoreIo } from './errors.ts';
import { LocalStore } from './local-store.ts';
import { describeObjectStore, patternBytes, sha256 } from './object-store.conformance.ts';

let root: string;
let n = 0;
beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'spanbase-local-store-'));
});
afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});
function fresh(): { store: LocalStore; dir: string } {
  const dir = join(root, `s${++n}`);
  return { store: new LocalStore({ path: dir }), dir };
}

describeObjectStore('local', () => fresh().store);

describe('LocalStore', () => {
  it('keeps each object as a plain file at its key path', async () => {
    const { store, dir } = fresh();
    await store.put('tenant/block/data.parquet', new Uint8Array([1, 2, 3]));
    expect(new Uint8Array(await readFile(join(dir, 'tenant', 'block', 'data.parquet')))).toEqual(new Uint8Array([1, 2, 3]));
    expect(await readdir(join(dir, 'tenant', 'block'))).toEqual(['data.parquet']); // no temp file left
  });

  it('never shows temp files, e.g. ones left by a crash mid-write', async () => {
    const { store, dir } = fresh();
    await store.put('b/real', new Uint8Array([1]));
    await writeFile(join(dir, 'b', '.sb-tmp-deadbeef'), 'partial');
    await mkdir(join(dir, 'c'));
    await writeFile(join(dir, 'c', '.sb-tmp-0123'), 'partial');
    expect((await store.list('')).objects.map((o) => o.key)).toEqual(['b/real']);
    expect(await store.list('', { delimiter: '/' })).toMatchObject({ prefixes: ['b/'] });
  });

  it('removes directories that a delete leaves empty, up to the root', async () => {
    const { store, dir } = fresh();
    await store.put('a/b/c/x', new Uint8Array([1]));
    await store.put('a/y', new Uint8Array([1]));
    await store.delete('a/b/c/x');
    expect(await readdir(join(dir, 'a'))).toEqual(['y']);
    await store.delete('a/y');
    expect(await readdir(dir)).toEqual([]);
  });

  it('does not list empty leftover directories as prefixes', async () => {
    const { store, dir } = fresh();
    await store.put('t/live/meta.json', new Uint8Array([1]));
    await mkdir(join(dir, 't', 'empty', 'deeper'), { recursive: true });
    expect(await store.list('t/', { delimiter: '/' })).toEqual({ objects: [], prefixes: ['t/live/'] });
  });

  it('treats a key that is a directory as missing, and cannot write over one', async () => {
    const { store } = fresh();
    await store.put('a/b', new Uint8Array([1]));
    expect(await store.get('a')).toBeUndefined();
    expect(await store.getRange('a', 0, 1)).toBeUndefined();
    expect(await store.head('a')).toBeUndefined();
    await store.delete('a');
    const err = await store.put('a', new Uint8Array([2])).catch((e: unknown) => e);
    expect(isSpanbaseError(err, StoreIo)).toBe(true);
    expect(await store.get('a/b')).toEqual(new Uint8Array([1]));
  });

  it('replaces objects atomically: readers see the old or the new bytes, never a mix', async () => {
    const { store } = fresh();
    const versions = [patternBytes(1 << 20, 1), patternBytes(1 << 20, 2)];
    const known = new Set(versions.map(sha256));
    await store.put('atomic', versions[0]);
    let writing = true;
    const writer = (async () => {
      for (let i = 1; i <= 20; i++) await store.put('atomic', versions[i % 2]);
      writing = false;
    })();
    let reads = 0;
    while (writing) {
      expect(known.has(sha256((await store.get('atomic'))!))).toBe(true);
      reads++;
    }
    await writer;
    expect(reads).toBeGreaterThan(0);
  });
});
