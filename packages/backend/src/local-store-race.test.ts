// A put racing a delete that prunes the put's directory, made deterministic: the mocked `open`
// removes the directory just before the put opens its temp file, as a concurrent delete of the
// directory's last object would.
import type * as FsPromises from 'node:fs/promises';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, expect, it, vi } from 'vitest';
import { LocalStore } from './local-store.ts';

const race = vi.hoisted(() => ({ prunes: 0 }));
vi.mock('node:fs/promises', async (importOriginal) => {
  const real = await importOriginal<typeof FsPromises>();
  const open: typeof real.open = async (path, ...rest) => {
    if (race.prunes < 2 && String(path).includes('/race/.sb-tmp-')) {
      race.prunes++;
      await real.rmdir(dirname(String(path)));
    }
    return real.open(path, ...rest);
  };
  return { ...real, open };
});

const root = await mkdtemp(join(tmpdir(), 'spanbase-local-race-'));
afterAll(() => rm(root, { recursive: true, force: true }));

it('recreates a directory pruned between mkdir and opening the temp file', async () => {
  const store = new LocalStore({ path: root });
  await store.put('race/key', new Uint8Array([7]));
  expect(race.prunes).toBe(2);
  expect(await store.get('race/key')).toEqual(new Uint8Array([7]));
  expect(await readdir(join(root, 'race'))).toEqual(['key']);
});
