// s3rver, patched to list as S3 does. Used by the test S3 server (s3rver-child.ts) and by the
// local S3 server of `npm run start:s3` (scripts/local-s3.ts).
//
// s3rver 3.7 lists with a delimiter by walking its data directory and skips every directory two
// levels below the prefix, so `a/b/c` alone never yields the common prefix `a/`. Real S3 does,
// and the block layout (`tenant/block/meta.json`) depends on it: with stock s3rver a restarted
// Spanbase finds no tenants and so no blocks. So this replaces s3rver's directory walk: where
// s3rver's filter skips a directory, the walk reports the first object file beneath it, and
// s3rver's own key checks turn that into the common prefix (or drop it when it lies outside the
// prefix or before the continuation point). Entries are visited sorted, as key-ordered paging
// expects. The patch is applied before s3rver loads its filesystem store, which copies `walk` at
// load time.
//
// s3rver encrypts ListObjectsV2 continuation tokens with DES, which OpenSSL 3 only offers through
// its legacy provider: a process that runs it needs `--openssl-legacy-provider`.
import { readdirSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';

/** The part of s3rver's API used here (the package ships no types). */
export interface S3rver {
  run(): Promise<{ address: string; port: number }>;
  close(): Promise<void>;
}
/** s3rver's constructor. */
export type S3rverClass = new (opts: Record<string, unknown>) => S3rver;
type Walk = (dir: string, enter?: (dir: string) => boolean) => Generator<string>;

/** s3rver's fixed credentials (any signature made with them is accepted). */
export const S3RVER_KEY = 'S3RVER';

const require = createRequire(import.meta.url);

const OBJECT_FILE = '._S3rver_object';
function firstObject(dir: string): string | undefined {
  for (const name of readdirSync(dir).sort()) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) {
      const found = firstObject(path);
      if (found) return found;
    } else if (name.endsWith(OBJECT_FILE)) {
      return path;
    }
  }
  return undefined;
}
function* walk(dir: string, enter?: (dir: string) => boolean): Generator<string> {
  for (const name of readdirSync(dir).sort()) {
    const path = `${dir}/${name}`;
    if (!statSync(path).isDirectory()) {
      yield path;
    } else if (!enter || enter(path)) {
      yield* walk(path, enter);
    } else {
      // In place, not after the walk: s3rver stops walking once a page is full.
      const found = firstObject(path);
      if (found) yield found;
    }
  }
}

/** s3rver with the listing patch applied. */
export function loadS3rver(): S3rverClass {
  (require('s3rver/lib/utils.js') as { walk: Walk }).walk = walk;
  return require('s3rver') as S3rverClass;
}
