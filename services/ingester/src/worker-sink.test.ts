import { existsSync, mkdtempSync, readFileSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { av } from '@spanbase/model';
import type { Span } from '@spanbase/model';
import { encodeTracesData, scanExportRequest } from '@spanbase/otlp';
import { silentLogger } from '@spanbase/server';
import { describe, expect, it } from 'vitest';
import { Ingester } from './ingester.ts';
import { BLOCK_WRITER_THREAD, WorkerBlockSink } from './worker-sink.ts';

/** Name and nice value of each thread of this process (Linux). */
function threads(): { tid: string; name: string; nice: number }[] {
  const out = [];
  for (const tid of readdirSync('/proc/self/task')) {
    try {
      const stat = readFileSync(`/proc/self/task/${tid}/stat`, 'utf8');
      // The name is in parentheses (and may hold spaces); nice is the 19th field in all.
      out.push({ tid, name: stat.slice(stat.indexOf('(') + 1, stat.lastIndexOf(')')), nice: Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[16]) });
    } catch {
      // the thread ended meanwhile
    }
  }
  return out;
}

function request(): Uint8Array {
  const span: Span = {
    traceId: new Uint8Array(16).fill(7), spanId: new Uint8Array(8).fill(1), parentSpanId: new Uint8Array(0), traceState: '', flags: 0, name: 'op', kind: 2,
    startTimeUnixNano: 1_000_000_000n, endTimeUnixNano: 2_000_000_000n, attributes: [], droppedAttributesCount: 0,
    events: [], droppedEventsCount: 0, links: [], droppedLinksCount: 0, status: { code: 0, message: '' },
  };
  return encodeTracesData({ resourceSpans: [{ resource: { attributes: [{ key: 'service.name', value: av.string('svc') }], droppedAttributesCount: 0 }, schemaUrl: '', scopeSpans: [{ scope: undefined, schemaUrl: '', spans: [span] }] }] });
}

describe('WorkerBlockSink', () => {
  it.skipIf(!existsSync('/proc/self/task'))('writes head blocks on a thread of lower priority than the event loop that acknowledges ingest', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'sb-sink-'));
    const before = threads();
    const sink = new WorkerBlockSink({ store: { backend: 'local', local: { path: join(dir, 'blocks') } }, block: { compactionLevel: 0 } });
    const ing = await Ingester.start({
      walDir: join(dir, 'wal'), walFsync: 'never', walFsyncIntervalMs: 1000, walSegmentBytes: 1 << 20, maxLiveBytes: 1 << 30,
      traceIdlePeriodMs: 0, maxBlockDurationMs: 0, maxBlockBytes: 1 << 30, flushCheckPeriodMs: 3_600_000, sink, logger: silentLogger(),
    });
    try {
      await ing.push('t', scanExportRequest(request()));
      await ing.flushAll();
      expect(ing.flushStats.blocks).toBe(1);
      expect(readdirSync(join(dir, 'blocks', 't')).length).toBeGreaterThan(0);
      // The worker set its own nice value before taking the job; the test's thread kept its own.
      const now = threads();
      expect(now.filter((t) => t.name === BLOCK_WRITER_THREAD).map((t) => t.nice)).toEqual([10]);
      const main = (list: typeof now) => list.find((t) => t.tid === String(process.pid))?.nice;
      expect(main(now)).toBe(main(before));
    } finally {
      await ing.stop();
      await sink.close();
    }
  });
});
