// A real full disk: the spanbase binary keeps its WAL on a small tmpfs, which is filled until
// appends fail with ENOSPC (the kernel writes what fits, then refuses), then space is freed and
// more is acknowledged. After a clean stop or a SIGKILL, the restarted binary returns every
// acknowledged span exactly once. Mounting needs root; elsewhere the test is skipped.
import { execFileSync } from 'node:child_process';
import { closeSync, openSync, rmSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ack, batch, expectAllOnce, expectNone, httpLookup, killMidBurst, send, spanCount } from '../src/acked.ts';
import type { SentSpans } from '../src/acked.ts';
import { spawnSpanbase, tempDir } from '../src/harness.ts';
import type { ChildSpanbase } from '../src/harness.ts';

const TMPFS_BYTES = 4 << 20;
/** Blocks are not cut during the test: the WAL alone holds the data. */
const FLAGS = ['--ingester.max-block-duration=1h', '--wal.fsync=interval'];

/** Mounts a tmpfs of `bytes` at a new directory; the reason when that is not possible here. */
function mountTmpfs(bytes: number): { dir: string } | { reason: string } {
  if (process.getuid?.() !== 0) return { reason: 'not running as root: cannot mount a tmpfs to fill' };
  const dir = tempDir('sb-wal-tmpfs-');
  try {
    execFileSync('mount', ['-t', 'tmpfs', '-o', `size=${bytes}`, 'tmpfs', dir], { stdio: 'pipe' });
    return { dir };
  } catch (err) {
    rmSync(dir, { recursive: true, force: true });
    return { reason: `mount -t tmpfs failed: ${String((err as { stderr?: Buffer }).stderr ?? err).trim()}` };
  }
}

function unmount(dir: string): void {
  execFileSync('umount', [dir], { stdio: 'pipe' });
  rmSync(dir, { recursive: true, force: true });
}

/** Writes zeros to `path` until the file system is full; the bytes written. */
function fill(path: string): number {
  const fd = openSync(path, 'w');
  const chunk = Buffer.alloc(64 << 10);
  let n = 0;
  try {
    for (;;) n += writeSync(fd, chunk);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOSPC') throw err;
  } finally {
    closeSync(fd);
  }
  return n;
}

describe.each(['SIGTERM', 'SIGKILL'] as const)('WAL on a full tmpfs, space freed, then %s', (signal) => {
  it('keeps every acknowledged span', async (ctx) => {
    const mounted = mountTmpfs(TMPFS_BYTES);
    if ('reason' in mounted) {
      console.warn(`skipped: ${mounted.reason}`);
      ctx.skip(mounted.reason);
      return;
    }
    const dir = mounted.dir;
    const procs: ChildSpanbase[] = [];
    try {
      const sb = await spawnSpanbase(dir, FLAGS);
      procs.push(sb);
      const acked: SentSpans = new Map();
      const refused: SentSpans = new Map();
      const push = async () => {
        const { body, spans } = batch(acked, 40);
        const status = await send(sb, body);
        if (status === 200) ack(acked, spans);
        else if (status === 503) ack(refused, spans);
        return status;
      };
      for (let i = 0; i < 20; i++) expect(await push()).toBe(200);
      const filler = join(dir, 'filler');
      expect(fill(filler)).toBeGreaterThan(1 << 20);
      // The segment's last page may still have room for a request or two; then the disk is full.
      const statuses: number[] = [];
      while (statuses.filter((s) => s === 503).length < 5 && statuses.length < 100) statuses.push(await push());
      expect(statuses.filter((s) => s === 503)).toHaveLength(5);
      expect(statuses.every((s) => s === 200 || s === 503)).toBe(true);
      expect(sb.output()).toMatch(/ENOSPC/);
      expect(sb.output()).toMatch(/rolled back to the last whole record/);
      rmSync(filler);
      for (let i = 0; i < 10; i++) expect(await push()).toBe(200);
      expect(await Promise.all(Array.from({ length: 10 }, push))).toEqual(Array(10).fill(200));
      if (signal === 'SIGKILL') {
        await killMidBurst(sb.proc, sb.exited, push);
      } else {
        sb.proc.kill('SIGTERM');
        expect(await sb.exited).toBe(0);
      }

      const again = await spawnSpanbase(dir, FLAGS);
      procs.push(again);
      expect(await expectAllOnce(httpLookup(again), acked)).toBe(spanCount(acked));
      expect(spanCount(acked)).toBeGreaterThanOrEqual(40 * 40);
      expect(await expectNone(httpLookup(again), refused)).toBe(5 * 40);
      const metrics = await (await fetch(`${again.api}/metrics`)).text();
      expect(metrics).toMatch(/^spanbase_wal_replay_skipped_bytes_total 0$/m);
      again.proc.kill('SIGTERM');
      expect(await again.exited).toBe(0);
    } finally {
      for (const p of procs) p.proc.kill('SIGKILL');
      await Promise.all(procs.map((p) => p.exited));
      unmount(dir);
    }
  });
});
