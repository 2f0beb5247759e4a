// The one behaviour suite every ObjectStore runs (STYLE rule 4): memory, local and S3 all call
// `describeObjectStore` from their test files. Backend-specific checks (multipart on S3, temp
// files on disk) live beside each backend instead.
import { createHash } from 'node:crypto';
import { beforeEach, describe, expect, it } from 'vitest';
import { isSpanbaseError } from '@spanbase/model';
import { StoreBadKey } from './errors.ts';
import type { ObjectStore } from './object-store.ts';

/** Makes a fresh, empty store for one test. */
export type StoreFactory = () => ObjectStore | Promise<ObjectStore>;

const enc = new TextEncoder();
const bytes = (s: string) => enc.encode(s);
const MiB = 1024 * 1024;

/** Deterministic, non-repeating-looking content (a repeating pattern would hide offset bugs). */
export function patternBytes(size: number, seed = 1): Uint8Array {
  const out = new Uint8Array(size);
  let x = seed >>> 0 || 1;
  for (let i = 0; i < size; i++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    out[i] = x & 0xff;
  }
  return out;
}

/** Streams `data` in chunks of an odd size, so chunk and part boundaries never line up. */
export async function* chunked(data: Uint8Array, chunkSize = 100_003): AsyncGenerator<Uint8Array> {
  for (let at = 0; at < data.length; at += chunkSize) yield data.slice(at, at + chunkSize);
}

/** Hex SHA-256: compares large bodies cheaply (vitest's deep equality is slow on megabytes). */
export const sha256 = (b: Uint8Array): string => createHash('sha256').update(b).digest('hex');

async function expectAbort(p: Promise<unknown>): Promise<void> {
  await expect(p).rejects.toMatchObject({ name: 'AbortError' });
}

/** Runs the contract's behaviour tests against stores from `factory`. */
export function describeObjectStore(name: string, factory: StoreFactory): void {
  describe(`ObjectStore conformance: ${name}`, () => {
    let store: ObjectStore;
    beforeEach(async () => {
      store = await factory();
    });

    it('puts, gets and overwrites whole objects; a missing key is undefined', async () => {
      expect(await store.get('a/missing')).toBeUndefined();
      await store.put('a/one', bytes('first'));
      expect(await store.get('a/one')).toEqual(bytes('first'));
      await store.put('a/one', bytes('second, longer'));
      expect(await store.get('a/one')).toEqual(bytes('second, longer'));
      await store.put('a/empty', new Uint8Array(0));
      expect(await store.get('a/empty')).toEqual(new Uint8Array(0));
    });

    it('does not let callers alias stored bytes', async () => {
      const body = bytes('abc');
      await store.put('alias', body);
      body[0] = 0x7a;
      const got = (await store.get('alias'))!;
      expect(got).toEqual(bytes('abc'));
      got[1] = 0x7a;
      expect(await store.get('alias')).toEqual(bytes('abc'));
    });

    it('reads ranges in the middle, at the end and past the end', async () => {
      await store.put('r', bytes('0123456789'));
      expect(await store.getRange('r', 2, 3)).toEqual(bytes('234'));
      expect(await store.getRange('r', 0, 10)).toEqual(bytes('0123456789'));
      expect(await store.getRange('r', 7, 3)).toEqual(bytes('789'));
      expect(await store.getRange('r', 7, 100)).toEqual(bytes('789'));
      expect(await store.getRange('r', 10, 5)).toEqual(new Uint8Array(0));
      expect(await store.getRange('r', 50, 5)).toEqual(new Uint8Array(0));
      expect(await store.getRange('r', 3, 0)).toEqual(new Uint8Array(0));
      expect(await store.getRange('missing', 0, 5)).toBeUndefined();
      expect(await store.getRange('missing', 0, 0)).toBeUndefined();
    });

    it('heads objects', async () => {
      expect(await store.head('h')).toBeUndefined();
      const before = Date.now();
      await store.put('h', bytes('12345'));
      const info = await store.head('h');
      expect(info).toMatchObject({ key: 'h', size: 5 });
      // A sanity bound, not a timing check: S3 keeps whole seconds, clocks may differ a little.
      expect(Math.abs(info!.lastModified - before)).toBeLessThan(10 * 60_000);
    });

    it('deletes objects, and deleting a missing one is fine', async () => {
      await store.put('d/x', bytes('x'));
      await store.put('d/y', bytes('y'));
      await store.delete('d/x');
      await store.delete('d/x');
      await store.delete('d/never');
      expect(await store.get('d/x')).toBeUndefined();
      expect(await store.head('d/x')).toBeUndefined();
      expect(await store.get('d/y')).toEqual(bytes('y'));
      expect((await store.list('d/')).objects.map((o) => o.key)).toEqual(['d/y']);
      await store.delete('d/y');
      expect(await store.list('', { delimiter: '/' })).toEqual({ objects: [], prefixes: [] });
    });

    it('lists by prefix, recursively and in key order', async () => {
      for (const k of ['t/b/2', 't/a', 't/b/1', 't/bc', 't/c/d/e', 'u/a', 't-sibling']) await store.put(k, bytes(k));
      const all = await store.list('t/');
      expect(all.prefixes).toEqual([]);
      expect(all.objects.map((o) => o.key)).toEqual(['t/a', 't/b/1', 't/b/2', 't/bc', 't/c/d/e']);
      expect(all.objects[0]).toMatchObject({ key: 't/a', size: 3 });
      // A prefix may end inside a segment.
      expect((await store.list('t/b')).objects.map((o) => o.key)).toEqual(['t/b/1', 't/b/2', 't/bc']);
      expect((await store.list('t')).objects.map((o) => o.key)).toEqual(['t-sibling', 't/a', 't/b/1', 't/b/2', 't/bc', 't/c/d/e']);
      expect((await store.list('nothing/')).objects).toEqual([]);
      expect((await store.list('')).objects).toHaveLength(7);
    });

    it('lists one level with a delimiter: objects and sub-prefixes', async () => {
      for (const k of ['t/b/2', 't/a', 't/b/1', 't/bc', 't/c/d/e', 'u/a', 'top']) await store.put(k, bytes(k));
      const level = await store.list('t/', { delimiter: '/' });
      expect(level.objects.map((o) => o.key)).toEqual(['t/a', 't/bc']);
      expect(level.prefixes).toEqual(['t/b/', 't/c/']);
      const root = await store.list('', { delimiter: '/' });
      expect(root.objects.map((o) => o.key)).toEqual(['top']);
      expect(root.prefixes).toEqual(['t/', 'u/']);
      const partial = await store.list('t/b', { delimiter: '/' });
      expect(partial.objects.map((o) => o.key)).toEqual(['t/bc']);
      expect(partial.prefixes).toEqual(['t/b/']);
      expect(await store.list('t/c/', { delimiter: '/' })).toEqual({ objects: [], prefixes: ['t/c/d/'] });
    });

    it('lists more than one page (over 1000 keys)', async () => {
      const keys: string[] = [];
      for (let i = 0; i < 1050; i++) {
        const n = String(i).padStart(4, '0');
        keys.push(i % 2 ? `many/f-${n}` : `many/d-${n}/x`);
      }
      for (let i = 0; i < keys.length; i += 50) await Promise.all(keys.slice(i, i + 50).map((k) => store.put(k, bytes('.'))));
      const flat = await store.list('many/');
      expect(flat.objects.map((o) => o.key)).toEqual([...keys].sort());
      const level = await store.list('many/', { delimiter: '/' });
      expect(level.objects).toHaveLength(525);
      expect(level.prefixes).toHaveLength(525);
      expect(level.prefixes[524]).toBe('many/d-1048/');
    });

    it('streams a large body in and reads it back whole and by range', async () => {
      const data = patternBytes(20 * MiB + 12345);
      await store.put('big/blob', chunked(data));
      expect((await store.head('big/blob'))?.size).toBe(data.length);
      expect(sha256((await store.get('big/blob'))!)).toBe(sha256(data));
      // Across the 8 MiB boundary where an S3 upload splits parts.
      const at = 8 * MiB - 1000;
      expect(await store.getRange('big/blob', at, 3000)).toEqual(data.subarray(at, at + 3000));
      expect(await store.getRange('big/blob', data.length - 10, 100)).toEqual(data.subarray(data.length - 10));
    });

    it('puts a streamed body smaller than one part, and an empty stream', async () => {
      await store.put('s/small', chunked(bytes('hello, streams'), 4));
      expect(await store.get('s/small')).toEqual(bytes('hello, streams'));
      await store.put('s/empty', chunked(new Uint8Array(0)));
      expect(await store.get('s/empty')).toEqual(new Uint8Array(0));
    });

    it('does not show an object before its put resolves', async () => {
      let release!: () => void;
      const gate = new Promise<void>((resolve) => (release = resolve));
      let started!: () => void;
      const begun = new Promise<void>((resolve) => (started = resolve));
      async function* body() {
        yield bytes('part one;');
        started();
        await gate;
        yield bytes('part two');
      }
      const put = store.put('v/obj', body());
      await begun;
      expect(await store.get('v/obj')).toBeUndefined();
      expect(await store.head('v/obj')).toBeUndefined();
      expect(await store.list('v/')).toEqual({ objects: [], prefixes: [] });
      release();
      await put;
      expect(await store.get('v/obj')).toEqual(bytes('part one;part two'));
    });

    it('rejects with an AbortError when the signal is already aborted', async () => {
      await store.put('ab/x', bytes('x'));
      const signal = AbortSignal.abort();
      await expectAbort(store.get('ab/x', { signal }));
      await expectAbort(store.getRange('ab/x', 0, 1, { signal }));
      await expectAbort(store.head('ab/x', { signal }));
      await expectAbort(store.put('ab/y', bytes('y'), { signal }));
      await expectAbort(store.delete('ab/x', { signal }));
      await expectAbort(store.list('ab/', { signal }));
      expect(await store.get('ab/x')).toEqual(bytes('x'));
      expect(await store.get('ab/y')).toBeUndefined();
    });

    it('aborts a streaming put midway and leaves no object behind', async () => {
      const ac = new AbortController();
      const data = patternBytes(12 * MiB);
      async function* body() {
        let sent = 0;
        for await (const chunk of chunked(data, MiB)) {
          yield chunk;
          sent += chunk.length;
          if (sent >= 10 * MiB) ac.abort();
        }
      }
      await expectAbort(store.put('ab/stream', body(), { signal: ac.signal }));
      expect(await store.get('ab/stream')).toBeUndefined();
      expect((await store.list('ab/')).objects).toEqual([]);
    });

    it('handles keys with spaces, unicode and URL-special characters', async () => {
      const keys = ['odd/with space', 'odd/ünïcødé/日本語', 'odd/a+b=c', 'odd/100%&x;y,z@!~\'()*$', 'odd/emoji 🚀.bin'];
      for (const k of keys) await store.put(k, bytes(k));
      for (const k of keys) {
        expect(await store.get(k)).toEqual(bytes(k));
        expect((await store.head(k))?.size).toBe(bytes(k).length);
      }
      expect((await store.list('odd/')).objects.map((o) => o.key)).toEqual([...keys].sort());
      expect((await store.list('odd/', { delimiter: '/' })).prefixes).toEqual(['odd/ünïcødé/']);
      for (const k of keys) await store.delete(k);
      expect((await store.list('odd/')).objects).toEqual([]);
    });

    it('takes concurrent puts of different keys', async () => {
      const keys = Array.from({ length: 48 }, (_, i) => `c/${i % 4}/k${i}`);
      await Promise.all(keys.map((k, i) => store.put(k, patternBytes(1000 + i, i + 1))));
      for (const [i, k] of keys.entries()) expect(await store.get(k)).toEqual(patternBytes(1000 + i, i + 1));
      expect((await store.list('c/')).objects).toHaveLength(keys.length);
    });

    it('rejects bad keys with STORE_ERR_BAD_KEY', async () => {
      for (const key of ['', '/abs', 'a//b', 'a/../b', '..', './a', 'a/', 'a\\b', '.sb-tmp-x']) {
        const err = await store.put(key, bytes('x')).then(() => undefined, (e: unknown) => e);
        expect(isSpanbaseError(err, StoreBadKey), `put '${key}'`).toBe(true);
        await expect(store.get(key)).rejects.toMatchObject({ code: StoreBadKey.code });
      }
      await expect(store.list('../')).rejects.toMatchObject({ code: StoreBadKey.code });
    });
  });
}
