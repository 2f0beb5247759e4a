// A compactor killed (SIGKILL) at each publishing step loses nothing and shows nothing twice, and
// the next cycle finishes its work; two compactor processes at once never merge the same blocks.
import type { ChildProcess } from 'node:child_process';
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { LocalStore } from '@spanbase/backend';
import { afterAll, describe, expect, it } from 'vitest';
import type { CompactionStep } from './run-job.ts';
import { HOUR, MIN, TempDirs, TestClock, splitTraces, testCompactor, writeParts } from './testing/scenario.ts';
import { blockObjectKeys, expectedView, objectKeys, readerView, visibleMetas } from './testing/store-check.ts';

const CHILD = join(import.meta.dirname, 'testing', 'compact-child.ts');
const tmp = new TempDirs();
afterAll(() => tmp.removeAll());

interface Child {
  proc: ChildProcess;
  /** Resolves with the first stdout line starting with `prefix`. */
  waitFor(prefix: string): Promise<string>;
  /** Every stdout line so far. */
  lines: string[];
  /** Resolves when the process has exited. */
  exited: Promise<{ code: number | null; signal: string | null; stderr: string }>;
}

function startChild(env: Record<string, string>): Child {
  const proc = spawn(process.execPath, [CHILD], { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  const lines: string[] = [];
  const waiters: { prefix: string; resolve: (l: string) => void }[] = [];
  let buf = '';
  let stderr = '';
  proc.stdout!.on('data', (d: Buffer) => {
    buf += d.toString();
    for (let i = buf.indexOf('\n'); i >= 0; i = buf.indexOf('\n')) {
      const line = buf.slice(0, i);
      buf = buf.slice(i + 1);
      lines.push(line);
      for (const w of waiters.splice(0)) {
        if (line.startsWith(w.prefix)) w.resolve(line);
        else waiters.push(w);
      }
    }
  });
  proc.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
  const exited = new Promise<{ code: number | null; signal: string | null; stderr: string }>((resolve) => proc.on('exit', (code, signal) => resolve({ code, signal, stderr })));
  return {
    proc,
    lines,
    exited,
    waitFor: (prefix) => {
      const seen = lines.find((l) => l.startsWith(prefix));
      if (seen) return Promise.resolve(seen);
      return new Promise((resolve, reject) => {
        waiters.push({ prefix, resolve });
        exited.then((e) => reject(new Error(`child exited (${e.code ?? e.signal}) before "${prefix}": ${lines.join(' | ')} ${e.stderr}`)));
      });
    },
  };
}

/** Data starts a few hours before the real time: partial-block age is judged by real mtimes. */
const BASE = Math.floor(Date.now() / HOUR) * HOUR - 3 * HOUR;

async function setUp(traceCount: number, blocks: number, windows = 1) {
  const dir = tmp.make();
  const store = new LocalStore({ path: dir });
  const all = [];
  for (let w = 0; w < windows; w++) {
    const { traces, parts } = splitTraces(traceCount, blocks, BASE + w * HOUR, w * 10_000);
    all.push(...traces);
    await writeParts(store, 'single-tenant', parts);
  }
  const ids = all.map((t) => t[0].span.traceId);
  return { dir, store, ids, expected: expectedView(all) };
}

describe('a compactor killed at each step', () => {
  it.each<CompactionStep>(['output-partial', 'output-committed', 'input-marked', 'deleting'])('at %s loses nothing and shows nothing twice', async (step) => {
    const { dir, store, ids, expected } = await setUp(40, 3);
    const inputs = await visibleMetas(store, 'single-tenant');
    const now = Date.now();
    let childNow = now;
    if (step === 'deleting') {
      // Compact in this process first; the child then deletes the compacted inputs.
      await testCompactor(store, new TestClock(now)).runCycle();
      childNow = now + HOUR + MIN;
    }
    const child = startChild({ SB_STORE_DIR: dir, SB_NOW: String(childNow), SB_PAUSE_AT: step });
    await child.waitFor(`PAUSED ${step}`);
    child.proc.kill('SIGKILL');
    expect((await child.exited).signal).toBe('SIGKILL');
    const announced = child.lines.find((l) => l.startsWith('STEP output-partial'))?.split(' ')[2];

    // Right after the kill: every span exactly once, whatever is half done.
    expect(await readerView(store, 'single-tenant', ids)).toEqual(expected);
    const visible = await visibleMetas(store, 'single-tenant');
    if (step === 'output-partial') expect(visible.map((m) => m.blockID).sort()).toEqual(inputs.map((m) => m.blockID).sort());
    else expect(visible).toHaveLength(1);

    // The next cycles (the dead lease has run out) finish the work and clean up.
    const clock = new TestClock(childNow + 10 * MIN);
    const compactor = testCompactor(store, clock);
    const report = await compactor.runCycle();
    expect(report.failures).toBe(0);
    expect(await readerView(store, 'single-tenant', ids)).toEqual(expected);
    const [output] = await visibleMetas(store, 'single-tenant');
    if (announced) expect(output.blockID).toBe(announced); // the rerun wrote the same block
    clock.t += 2 * HOUR;
    await compactor.runCycle();
    clock.t += 25 * HOUR;
    await compactor.runCycle();
    expect((await blockObjectKeys(store, 'single-tenant')).every((k) => k.startsWith(`single-tenant/${output.blockID}/`))).toBe(true);
    expect(await objectKeys(store, '~compactor/')).toEqual([]);
    expect(await readerView(store, 'single-tenant', ids)).toEqual(expected);
  }, 60_000);
});

describe('two compactor processes at once', () => {
  it('never merge the same blocks', async () => {
    const { dir, store, ids, expected } = await setUp(48, 6, 3);
    const now = String(Date.now());
    const jobsPerChild: string[][] = [];
    for (let round = 0; round < 3; round++) {
      const children = ['a', 'b'].map((o) => startChild({ SB_STORE_DIR: dir, SB_NOW: now, SB_OWNER: o }));
      for (const c of children) {
        const exit = await c.exited;
        expect(exit.code, exit.stderr).toBe(0);
        expect(exit.stderr).not.toMatch(/ERROR/);
        jobsPerChild.push(c.lines.filter((l) => l.startsWith('STEP output-committed')).map((l) => l.split(' ')[2]));
      }
      expect(await readerView(store, 'single-tenant', ids)).toEqual(expected);
    }
    const outputs = jobsPerChild.flat();
    // 6 blocks a window: a merge of 4 and one of 2, then one of the two level-1 blocks.
    expect(outputs).toHaveLength(9);
    expect(new Set(outputs).size).toBe(9);
    const final = await visibleMetas(store, 'single-tenant');
    expect(final.map((m) => m.compactionLevel)).toEqual([2, 2, 2]);
  }, 180_000);
});
