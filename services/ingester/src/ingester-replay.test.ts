// Start-up replay of WAL records whose checksum matches but whose body is not a request (written
// by a bug, or a record-shaped string that resynchronisation picked up): skipped and counted, not
// a start-up that fails every time from then on.
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { av, hexToBytes } from '@spanbase/model';
import type { Span } from '@spanbase/model';
import { encodeTracesData } from '@spanbase/otlp';
import { silentLogger } from '@spanbase/server';
import { RecordType, SEGMENT_MAGIC, encodeRecordHeader } from '@spanbase/wal';
import { describe, expect, it } from 'vitest';
import { Ingester } from './ingester.ts';

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
