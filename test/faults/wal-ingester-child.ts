// A real ingester in its own process, on a WAL whose disk fails on command (FaultDisk): the
// parent pushes requests and makes the disk full or free again over IPC, then stops the process
// cleanly or SIGKILLs it, and replays the WAL itself. Run as `node wal-ingester-child.ts <walDir>`.
//
// Messages from the parent: { id, push: Uint8Array } → { id, status }; { id, free: number | null }
// (bytes the disk may still grow by, null = unlimited) → { id }; { stop: true } → clean stop, exit 0.
import { fileURLToPath } from 'node:url';
import { Ingester } from '@spanbase/ingester';
import { scanExportRequest } from '@spanbase/otlp';
import { createLogger } from '@spanbase/server';
import { FaultDisk, createSegmentFile } from '@spanbase/wal';

/** A message from the parent. */
export type ChildRequest = { id: number; push: Uint8Array } | { id: number; free: number | null } | { stop: true };
/** A reply to the parent (`ready` once the WAL is replayed). */
export type ChildReply = { ready: true } | { id: number; status?: number };

/** The tenant every push goes to. */
export const TENANT = 'single-tenant';

/** Ingester settings shared by the child and the parent's replay: no block sink, so the WAL keeps everything. */
export function ingesterOptions(walDir: string) {
  return {
    walDir, walFsync: 'interval' as const, walFsyncIntervalMs: 100, walSegmentBytes: 256 << 10, maxLiveBytes: 1 << 30,
    traceIdlePeriodMs: 5000, maxBlockDurationMs: 3_600_000, maxBlockBytes: 1 << 30, flushCheckPeriodMs: 3_600_000,
  };
}

async function main(walDir: string): Promise<void> {
  const disk = new FaultDisk();
  const ing = await Ingester.start({ ...ingesterOptions(walDir), walCreateFile: disk.wrap(createSegmentFile), logger: createLogger('info') });
  const reply = (m: ChildReply) => process.send!(m);
  process.on('message', (m: ChildRequest) => {
    if ('stop' in m) {
      void ing.stop().then(() => process.exit(0));
    } else if ('free' in m) {
      disk.free = m.free ?? Infinity;
      reply({ id: m.id });
    } else {
      ing.push(TENANT, scanExportRequest(new Uint8Array(m.push))).then(
        () => reply({ id: m.id, status: 200 }),
        (err: { statusCode?: number }) => reply({ id: m.id, status: err.statusCode ?? 500 }),
      );
    }
  });
  reply({ ready: true });
}

// Only as a process of its own; the test imports the shared settings above.
if (process.argv[1] === fileURLToPath(import.meta.url)) await main(process.argv[2]);
