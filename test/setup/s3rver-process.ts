// Starts and stops the s3rver child process (see s3rver-child.ts) for the global test setup.
import { fork } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { S3TestServer } from './s3.ts';
import { S3RVER_KEY } from './s3rver-patch.ts';

/** A running s3rver. */
export interface S3rverProcess {
  /** What tests need to reach it. */
  info: S3TestServer;
  /** Stops the process and removes its data directory. */
  stop(): Promise<void>;
}

const STOP_TIMEOUT_MS = 5_000;

/** Starts s3rver on 127.0.0.1 on a free port, with one bucket, in a fresh temp directory. */
export async function startS3rver(bucket = 'spanbase-test'): Promise<S3rverProcess> {
  // The child is a .ts file run by the same Node as vitest (undefined on Node < 22.10).
  if (!(process.features as { typescript?: unknown }).typescript) {
    throw new Error(`the S3 test server needs Node 24 (type stripping); this is ${process.version}: run tests with \`npx vitest\``);
  }
  const directory = await mkdtemp(join(tmpdir(), 'spanbase-s3rver-'));
  const child = fork(join(import.meta.dirname, 's3rver-child.ts'), [directory, bucket], {
    execArgv: ['--openssl-legacy-provider'],
    stdio: ['ignore', 'ignore', 'inherit', 'ipc'],
  });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  try {
    const port = await new Promise<number>((resolve, reject) => {
      child.once('message', (msg) => resolve((msg as { port: number }).port));
      child.once('error', reject);
      child.once('exit', (code) => reject(new Error(`s3rver exited before listening (code ${code})`)));
    });
    const info: S3TestServer = {
      endpoint: `http://127.0.0.1:${port}`, bucket, region: 'us-east-1', accessKeyId: S3RVER_KEY, secretAccessKey: S3RVER_KEY,
    };
    const stop = async () => {
      if (child.exitCode === null && child.signalCode === null) {
        child.send('stop');
        const timer = setTimeout(() => child.kill('SIGKILL'), STOP_TIMEOUT_MS);
        await exited;
        clearTimeout(timer);
      }
      await rm(directory, { recursive: true, force: true });
    };
    return { info, stop };
  } catch (err) {
    child.kill('SIGKILL');
    await rm(directory, { recursive: true, force: true });
    throw err;
  }
}
