// Start-up replay of WAL records whose checksum matches but whose body is not a request (written
// by a bug, or a record-shaped string that resynchronisation picked up): skipped and counted, not
// a start-up that fails every time from then on.
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { av, hexToBytes } from '@spanbase/model';
import type { Span } from '@spanbase/model';
import { encodeTracesData, scanExportRequest } from '@spanbase/otlp';
import { silentLogger } from '@spanbase/server';
import { RecordType, SEGMENT_MAGIC, encodeRecordHeader } from '@spanbase/wal';
import { describe, expect, it } from 'vitest';
import { Ingester } from './ingester.ts';
import type { FlushBatch } from './block-sink.ts';

const TRACE = '0123456789abcdef0123456789abcdef';

function request(spanId: string): Uint8Array {
  const span: Span = {
    traceId: hexToBytes(TRACE)!, spanId: hexToBytes(spanId)!, parentSpanId: new Uint8Array(0), traceState: '', flags: 0, name: 'op', kind: 2,
    startTimeUnixNano: 1000n, endTimeUnixNano: 2000n, attributes: [], droppedAttributesCount: 0, events: [], droppedEventsCount: 0, links: [], droppedLinksCount: 0, status: { code: 0, message: '' },
  };
  return encodeTracesData({ resourceSpans: [{ resource: { attributes: [{ key: 'service.name', value: av.string('svc') }], droppedAttributesCount: 0 }, schemaUrl: '', scopeSpans: [{ scope: undefined, schemaUrl: '', spans: [span] }] }] });
}

describe('Ingester replay', () => {
  it('skips a checksum-valid record that does not decode and keeps the rest', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'sb-ing-replay-'));
    const bodies = [request('0000000000000001'), new Uint8Array([0xff, 0xff, 0xff, 0xff, 0x0f, 1, 2, 3]), request('0000000000000002')];
    mkdirSync(join(dir, 't'));
    const parts: Uint8Array[] = [SEGMENT_MAGIC];
    for (const b of bodies) parts.push(encodeRecordHeader(RecordType.OTLP_TRACES, 1000, b), b);
    writeFileSync(join(dir, 't', '00000000000000000000.wal'), Buffer.concat(parts));
    const ing = await Ingester.start({
      walDir: dir, walFsync: 'never', walFsyncIntervalMs: 1000, walSegmentBytes: 1 << 20, maxLiveBytes: 1 << 30,
      traceIdlePeriodMs: 5000, maxBlockDurationMs: 60_000, maxBlockBytes: 1 << 30, flushCheckPeriodMs: 3_600_000, logger: silentLogger(),
    });
    try {
      expect(ing.replayStats).toMatchObject({ records: 3, skippedRecords: 1, skippedBytes: bodies[1].length });
      expect((await ing.live.findTrace('t', hexToBytes(TRACE)!)).map((r) => r.span.spanId[7])).toEqual([1, 2]);
    } finally {
      await ing.stop();
    }
  });
});

describe('Ingester replay after a crash', () => {
  /**
   * Trace A's spans in two requests, trace B's in the first; both traces go into one block whose
   * write the process never sees finish (it dies there); then the next start replays the WAL.
   */
  async function crashDuringFlush(blockExists: boolean) {
    const dir = mkdtempSync(join(tmpdir(), 'sb-ing-flushed-'));
    let now = 1_000_000;
    const written: string[] = [];
    const sink = {
      write(b: FlushBatch) {
        written.push(b.blockId!);
        return new Promise<never>(() => {});
      },
      async close() {},
    };
    const opts = {
      walDir: dir, walFsync: 'never' as const, walFsyncIntervalMs: 1000, walSegmentBytes: 1 << 20, maxLiveBytes: 1 << 30,
      traceIdlePeriodMs: 5000, maxBlockDurationMs: 0, maxBlockBytes: 1 << 30, flushCheckPeriodMs: 3_600_000, logger: silentLogger(), now: () => now,
      liveQueries: { thread: 'inline' as const },
    };
    const first = await Ingester.start({ ...opts, sink });
    const A = '0000000000000000000000000000000a';
    const B = '0000000000000000000000000000000b';
    await first.push('t', scanExportRequest(requestOf([[A, '0000000000000001'], [B, '0000000000000002']])));
    await first.push('t', scanExportRequest(requestOf([[A, '0000000000000003']])));
    now += 6000;
    void first.flushTick();
    for (let i = 0; i < 100 && written.length === 0; i++) await new Promise((r) => setTimeout(r, 10));
    expect(written).toHaveLength(1);
    await first.push('t', scanExportRequest(requestOf([[B, '0000000000000004']])));
    // The process dies here; its WAL is what the next start finds.
    const again = await Ingester.start({ ...opts, blockExists: async (_t, id) => blockExists && written.includes(id) });
    try {
      return { stats: again.replayStats, a: await again.live.findTrace('t', hexToBytes(A)!), b: await again.live.findTrace('t', hexToBytes(B)!) };
    } finally {
      await again.stop();
    }
  }

  it('does not replay spans of a block that was finished', async () => {
    const r = await crashDuringFlush(true);
    expect(r.a).toEqual([]);
    expect(r.b.map((s) => s.span.spanId[7])).toEqual([4]);
    expect(r.stats.flushedRecords).toBe(2);
  });

  it('replays them when the block named in the marker does not exist (the crash came before it was finished)', async () => {
    const r = await crashDuringFlush(false);
    expect(r.a.map((s) => s.span.spanId[7]).sort()).toEqual([1, 3]);
    expect(r.b.map((s) => s.span.spanId[7]).sort()).toEqual([2, 4]);
    expect(r.stats.flushedRecords).toBe(0);
  });
});

function requestOf(spans: [trace: string, span: string][]): Uint8Array {
  const list: Span[] = spans.map(([t, s]) => ({
    traceId: hexToBytes(t)!, spanId: hexToBytes(s)!, parentSpanId: new Uint8Array(0), traceState: '', flags: 0, name: 'op', kind: 2,
    startTimeUnixNano: 1000n, endTimeUnixNano: 2000n, attributes: [], droppedAttributesCount: 0, events: [], droppedEventsCount: 0, links: [], droppedLinksCount: 0, status: { code: 0, message: '' },
  }));
  return encodeTracesData({ resourceSpans: [{ resource: { attributes: [{ key: 'service.name', value: av.string('svc') }], droppedAttributesCount: 0 }, schemaUrl: '', scopeSpans: [{ scope: undefined, schemaUrl: '', spans: list }] }] });
}
