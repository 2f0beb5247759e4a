// A head block's recorded time range is bounded by when its requests were received (plus or minus
// the slack), not by the clocks of the clients that sent them: also after a restart, when the
// requests come back from the WAL with their original receive times.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { av, hexToBytes } from '@spanbase/model';
import type { Span } from '@spanbase/model';
import { encodeTracesData, scanExportRequest } from '@spanbase/otlp';
import { silentLogger } from '@spanbase/server';
import { describe, expect, it } from 'vitest';
import type { BlockSink, FlushBatch } from './block-sink.ts';
import { receiveTimeBounds } from './flush-batch.ts';
import { Ingester } from './ingester.ts';
import type { IngesterOptions } from './ingester.ts';

const MS = 1_000_000n;
const RECEIVED_MS = 1_767_225_600_000; // 2026-01-01T00:00:00Z
const SLACK_MS = 120_000;

function request(trace: number, startNs: bigint, endNs: bigint): ReturnType<typeof scanExportRequest> {
  const span: Span = {
    traceId: hexToBytes(trace.toString(16).padStart(32, '0'))!, spanId: hexToBytes(trace.toString(16).padStart(16, '0'))!, parentSpanId: new Uint8Array(0),
    traceState: '', flags: 0, name: 'op', kind: 2, startTimeUnixNano: startNs, endTimeUnixNano: endNs, attributes: [], droppedAttributesCount: 0,
    events: [], droppedEventsCount: 0, links: [], droppedLinksCount: 0, status: { code: 0, message: '' },
  };
  return scanExportRequest(encodeTracesData({ resourceSpans: [{ resource: { attributes: [{ key: 'service.name', value: av.string('svc') }], droppedAttributesCount: 0 }, schemaUrl: '', scopeSpans: [{ scope: undefined, schemaUrl: '', spans: [span] }] }] }));
}

class BoundsSink implements BlockSink {
  bounds: FlushBatch['timeBounds'][] = [];
  async write(b: FlushBatch) {
    this.bounds.push(b.timeBounds);
    return { blockId: `b${this.bounds.length}`, meta: {} };
  }
  async close() {}
}

function options(dir: string, sink: BlockSink, clock: { now: number }, over: Partial<IngesterOptions> = {}): IngesterOptions {
  return {
    walDir: dir, walFsync: 'never', walFsyncIntervalMs: 1000, walSegmentBytes: 1 << 20, maxLiveBytes: 1 << 30,
    traceIdlePeriodMs: 5000, maxBlockDurationMs: 60_000, maxBlockBytes: 1 << 30, flushCheckPeriodMs: 3_600_000,
    timeRangeSlackMs: SLACK_MS, sink, logger: silentLogger(), now: () => clock.now, liveQueries: { thread: 'inline' }, ...over,
  };
}

describe('head block time bounds', () => {
  it('are the receive times of its requests widened by the slack, whatever the spans claim', async () => {
    const sink = new BoundsSink();
    const clock = { now: RECEIVED_MS };
    const outside: [string, number][] = [];
    const ing = await Ingester.start(options(mkdtempSync(join(tmpdir(), 'sb-bounds-')), sink, clock, { onOutsideTimeBounds: (t, n) => outside.push([t, n]) }));
    await ing.push('t', request(1, 16_725_225_600_000_000_000n, 16_725_225_600_000_000_001n)); // dated 2500
    clock.now += 30_000;
    await ing.push('t', request(2, 1n, 2n ** 64n - 1n)); // 1970 to 2554
    await ing.push('t', request(5, BigInt(RECEIVED_MS + 60_000) * MS, BigInt(RECEIVED_MS + 61_000) * MS)); // a minute ahead: within the slack
    await ing.flushAll();
    await ing.stop();
    expect(sink.bounds).toEqual([{ minUnixNano: BigInt(RECEIVED_MS - SLACK_MS) * MS, maxUnixNano: BigInt(RECEIVED_MS + 30_000 + SLACK_MS) * MS }]);
    expect(outside).toEqual([['t', 2]]);
  });

  it('keep the original receive times when the requests are replayed from the WAL', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'sb-bounds-'));
    const clock = { now: RECEIVED_MS };
    const first = await Ingester.start(options(dir, new BoundsSink(), clock));
    await first.push('t', request(3, 16_725_225_600_000_000_000n, 16_725_225_600_000_000_001n));
    await first.stop(); // not flushed: the request is only in the WAL
    clock.now += 3_600_000;
    const sink = new BoundsSink();
    const second = await Ingester.start(options(dir, sink, clock));
    await second.flushAll();
    await second.stop();
    expect(sink.bounds).toEqual([{ minUnixNano: BigInt(RECEIVED_MS - SLACK_MS) * MS, maxUnixNano: BigInt(RECEIVED_MS + SLACK_MS) * MS }]);
  });

  it('are absent without a slack, and never before the epoch', async () => {
    const sink = new BoundsSink();
    const clock = { now: RECEIVED_MS };
    const ing = await Ingester.start(options(mkdtempSync(join(tmpdir(), 'sb-bounds-')), sink, clock, { timeRangeSlackMs: undefined }));
    await ing.push('t', request(4, 1000n, 2000n));
    await ing.flushAll();
    await ing.stop();
    expect(sink.bounds).toEqual([undefined]);
    expect(receiveTimeBounds(1000, 2000, 5000)).toEqual({ minUnixNano: 0n, maxUnixNano: 7000n * MS });
  });
});
