// A WAL append runs out of disk space in the middle of its write (ENOSPC injected at the file
// layer of a real ingester process), more requests arrive while the disk is full, space is freed,
// more are acknowledged; then the process is stopped cleanly or SIGKILLed. A fresh ingester on the
// same WAL must return every acknowledged span exactly once, none of the refused ones, and must
// not have had to skip damaged bytes: nothing was written behind a torn record.
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { bytesToHex, hexToBytes } from '@spanbase/model';
import { Ingester } from '@spanbase/ingester';
import { silentLogger } from '@spanbase/server';
import { describe, expect, it } from 'vitest';
import { ack, batch, expectAllOnce, expectNone, killMidBurst, spanCount } from '../src/acked.ts';
import type { SentSpans, SpanLookup } from '../src/acked.ts';
import { tempDir } from '../src/harness.ts';
import { TENANT, ingesterOptions } from './wal-ingester-child.ts';
import type { ChildReply, ChildRequest } from './wal-ingester-child.ts';

interface IngesterChild {
  proc: ChildProcess;
  output(): string;
  exited: Promise<number | null>;
  /** Pushes one request; its status, or -1 when the process died first. */
  push(body: Uint8Array): Promise<number>;
  /** Lets the disk grow by `bytes` more (null: unlimited). */
  setFree(bytes: number | null): Promise<void>;
}

async function spawnIngester(walDir: string): Promise<IngesterChild> {
  const proc = spawn(process.execPath, [join(import.meta.dirname, 'wal-ingester-child.ts'), walDir], { stdio: ['ignore', 'pipe', 'pipe', 'ipc'], serialization: 'advanced' });
  let out = '';
  proc.stdout?.on('data', (d) => (out += d));
  proc.stderr?.on('data', (d) => (out += d));
  const exited = new Promise<number | null>((r) => proc.on('exit', (code) => r(code)));
  const waiting = new Map<number, (status: number) => void>();
  let nextId = 0;
  const ready = new Promise<void>((resolve, reject) => {
    proc.on('message', (m: ChildReply) => {
      if ('ready' in m) resolve();
      else waiting.get(m.id)?.(m.status ?? 0);
    });
    void exited.then((code) => {
      for (const w of waiting.values()) w(-1);
      reject(new Error(`ingester child exited with ${code}:\n${out}`));
    });
  });
  const call = (m: Omit<Extract<ChildRequest, { id: number }>, 'id'>) =>
    new Promise<number>((resolve) => {
      const id = nextId++;
      waiting.set(id, resolve);
      if (proc.exitCode !== null || proc.signalCode !== null || !proc.send({ ...m, id } as ChildRequest)) resolve(-1);
    });
  await ready;
  return { proc, output: () => out, exited, push: (body) => call({ push: body }), setFree: async (free) => void (await call({ free })) };
}

describe.each(['clean stop', 'SIGKILL'])('ENOSPC in the middle of a WAL append, space freed, then %s', (restart) => {
  it('loses no acknowledged span and replays none of the refused ones', async () => {
    const walDir = join(tempDir('sb-wal-enospc-'), 'wal');
    const child = await spawnIngester(walDir);
    const acked: SentSpans = new Map();
    const refused: SentSpans = new Map();
    const push = async (n: number) => {
      const { body, spans } = batch(acked, n);
      const status = await child.push(body);
      if (status === 200) ack(acked, spans);
      else if (status === 503) ack(refused, spans);
      return status;
    };
    try {
      for (let i = 0; i < 20; i++) expect(await push(40)).toBe(200);
      // Room for a fraction of the next request: it is written part-way, then fails with ENOSPC.
      await child.setFree(1500);
      expect(await push(40)).toBe(503);
      // Requests arriving while the disk is still full, concurrently: all refused.
      expect(await Promise.all(Array.from({ length: 10 }, () => push(40)))).toEqual(Array(10).fill(503));
      expect(child.output()).toMatch(/rolled back to the last whole record/);
      await child.setFree(null);
      for (let i = 0; i < 10; i++) expect(await push(40)).toBe(200);
      expect(await Promise.all(Array.from({ length: 10 }, () => push(40)))).toEqual(Array(10).fill(200));
      if (restart === 'clean stop') {
        child.proc.send({ stop: true } satisfies ChildRequest);
        expect(await child.exited).toBe(0);
      } else {
        await killMidBurst(child.proc, child.exited, () => push(40));
      }
    } finally {
      child.proc.kill('SIGKILL');
    }

    const ing = await Ingester.start({ ...ingesterOptions(walDir), logger: silentLogger() });
    try {
      const lookup: SpanLookup = async (traceId) => (await ing.live.findTrace(TENANT, hexToBytes(traceId)!)).map((r) => bytesToHex(r.span.spanId));
      expect(await expectAllOnce(lookup, acked)).toBe(spanCount(acked));
      expect(spanCount(acked)).toBeGreaterThanOrEqual(40 * 40);
      // Rolled back, not merely skipped at replay: the refused requests are gone and no damaged
      // stretch sits between whole records.
      expect(await expectNone(lookup, refused)).toBe(11 * 40);
      expect(ing.replayStats).toMatchObject({ skippedBytes: 0, skippedRecords: 0 });
    } finally {
      await ing.stop();
    }
  });
});
