// The binary keeps Node's compile cache (type-stripped and compiled sources) on disk, for its
// worker threads too: each thread loads the sources itself, and without the cache a start spends
// 9-11 s of CPU doing so (7-8 s with it, on 2 cores), while ingest and the first queries after a
// restart wait for the same cores.
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { spawnSpanbase, tempDir } from '../src/harness.ts';

function files(dir: string): number {
  let n = 0;
  for (const e of readdirSync(dir, { withFileTypes: true, recursive: true })) if (e.isFile()) n++;
  return n;
}

/** The environment of a child whose temp directory is `tmp`, with the compile cache left to the binary. */
function envWithTmp(tmp: string): Record<string, string> {
  const env = { ...process.env, TMPDIR: tmp } as Record<string, string>;
  delete env.NODE_COMPILE_CACHE;
  delete env.NODE_DISABLE_COMPILE_CACHE;
  return env;
}

/** Starts the binary with `env`, lets its workers load their modules, stops it; the cache is written at exit. */
async function runOnce(dir: string, env: Record<string, string>): Promise<void> {
  const s = await spawnSpanbase(join(dir, 'data'), [], env);
  await new Promise((r) => setTimeout(r, 3000));
  s.proc.kill('SIGTERM');
  expect(await s.exited).toBe(0);
}

describe('the spanbase binary', () => {
  it('keeps a compile cache under the temp directory, and its worker threads use it too', { timeout: 90_000 }, async () => {
    // With NODE_COMPILE_CACHE set by the environment, Node itself gives every thread the cache:
    // what that run writes is what every thread of a start loads.
    const every = tempDir('sb-compile-cache-env-');
    await runOnce(every, { ...envWithTmp(every), NODE_COMPILE_CACHE: join(every, 'cache') });
    const wanted = files(join(every, 'cache'));
    expect(wanted).toBeGreaterThan(100);
    // Left to the binary, the cache goes under the temp directory, and the worker threads'
    // modules are in it only if the workers were handed the cache as well: without them about a
    // dozen are missing; a start may load a module or two fewer or more than another.
    const tmp = tempDir('sb-compile-cache-');
    await runOnce(tmp, envWithTmp(tmp));
    expect(files(join(tmp, 'node-compile-cache'))).toBeGreaterThanOrEqual(wanted - 4);
  });
});
