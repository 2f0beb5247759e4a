// Runs s3rver in its own Node process, started by s3rver-process.ts with
// `--openssl-legacy-provider`: s3rver encrypts ListObjectsV2 continuation tokens with DES, which
// OpenSSL 3 only offers through its legacy provider. In a child process that flag does not
// leak into vitest or the code under test.
//
// argv: <directory> <bucket>. Reports `{ port }` over IPC; exits on 'stop' or when the parent goes.
import { readdirSync, rmSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';

/** The part of s3rver's API used here (the package ships no types). */
interface S3rver {
  run(): Promise<{ address: string; port: number }>;
  close(): Promise<void>;
}
type S3rverClass = new (opts: Record<string, unknown>) => S3rver;
type Walk = (dir: string, enter?: (dir: string) => boolean) => Generator<string>;

const require = createRequire(import.meta.url);

// s3rver 3.7 lists with a delimiter by walking its data directory and skips every directory two
// levels below the prefix, so `a/b/c` alone never yields the common prefix `a/`. Real S3 does,
// and the block layout (`tenant/block/meta.json`) depends on it. So this file replaces s3rver's
// directory walk: where s3rver's filter skips a directory, the walk reports the first object file
// beneath it, and s3rver's own key checks turn that into the common prefix (or drop it when it
// lies outside the prefix or before the continuation point). Entries are visited sorted, as
// key-ordered paging expects. The patch is applied before s3rver loads its filesystem store,
// which copies `walk` at load time.
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
(require('s3rver/lib/utils.js') as { walk: Walk }).walk = walk;

const S3rver = require('s3rver') as S3rverClass;
const [directory, bucket] = process.argv.slice(2);
const server = new S3rver({ address: '127.0.0.1', port: 0, silent: true, directory, configureBuckets: [{ name: bucket }] });
const { port } = await server.run();
process.send!({ port });

// The data directory goes with the process, also when vitest dies without a teardown (the IPC
// channel then closes and 'disconnect' fires).
function exit(): void {
  rmSync(directory, { recursive: true, force: true });
  process.exit(0);
}
process.on('message', (msg) => {
  if (msg === 'stop') void server.close().finally(exit);
});
process.on('disconnect', exit);
