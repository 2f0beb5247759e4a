// Runs s3rver (patched to list as S3 does, see s3rver-patch.ts) in its own Node process, started
// by s3rver-process.ts with `--openssl-legacy-provider`, which s3rver needs and which in a child
// process does not leak into vitest or the code under test.
//
// argv: <directory> <bucket>. Reports `{ port }` over IPC; exits on 'stop' or when the parent goes.
import { rmSync } from 'node:fs';
import { loadS3rver } from './s3rver-patch.ts';

const S3rver = loadS3rver();
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
