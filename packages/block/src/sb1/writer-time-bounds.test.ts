// A block's recorded time range is bounded by what its writer is given, while the spans, their
// trace lookups and the index keep the times as sent.
import { MemoryStore } from '@spanbase/backend';
import type { SpanRecord } from '@spanbase/model';
import { describe, expect, it } from 'vitest';
import { BlockBadOptions } from '../errors.ts';
import { openBlock, writeBlock, writeEncodedBlock } from '../registry.ts';
import { conformanceTraces } from '../testing/conformance-traces.ts';
import { encodeRequests, encodedTraces } from '../testing/encoded-traces.ts';
import { boundedTimeRange } from './writer.ts';

const NOW = 1_767_225_600_000_000_000n; // 2026-01-01T00:00:00Z
const MAX_U64 = 2n ** 64n - 1n;
const YEAR_2500 = 16_725_225_600_000_000_000n;

/** `r` with other span times. */
function retimed(r: SpanRecord, start: bigint, end: bigint): SpanRecord {
  return { ...r, span: { ...r.span, startTimeUnixNano: start, endTimeUnixNano: end } };
}

/** The conformance traces, one of them dated 2500 and one spanning 1970 to 2554. */
function skewedTraces(): SpanRecord[][] {
  const shift = (t: SpanRecord[], to: bigint) => {
    const base = t.reduce((m, r) => (r.span.startTimeUnixNano < m ? r.span.startTimeUnixNano : m), t[0].span.startTimeUnixNano);
    return t.map((r) => retimed(r, r.span.startTimeUnixNano - base + to, r.span.endTimeUnixNano - base + to));
  };
  const traces = conformanceTraces({ traces: 12, seed: 7 }).map((t, i) => shift(t, i === 1 ? YEAR_2500 : NOW));
  traces[2][0] = retimed(traces[2][0], 1n, MAX_U64);
  return traces;
}

const bounds = { minUnixNano: NOW - 120_000_000_000n, maxUnixNano: NOW + 120_000_000_000n };

describe('sb1 writer time bounds', () => {
  it('keeps the end within the bounds and the start at most the upper bound', () => {
    expect(boundedTimeRange(1n, MAX_U64, bounds)).toEqual({ start: 1n, end: bounds.maxUnixNano });
    expect(boundedTimeRange(YEAR_2500, YEAR_2500 + 5n, bounds)).toEqual({ start: bounds.maxUnixNano, end: bounds.maxUnixNano });
    // A clock reset to 1970: the block ends when it arrived, so retention does not delete it at once.
    expect(boundedTimeRange(1000n, 2000n, bounds)).toEqual({ start: 1000n, end: bounds.minUnixNano });
    // Spans that arrive an hour late keep their start, so a query of that hour still picks the block.
    expect(boundedTimeRange(NOW - 3_600_000_000_000n, NOW - 3_000_000_000_000n, bounds)).toEqual({ start: NOW - 3_600_000_000_000n, end: bounds.minUnixNano });
    expect(boundedTimeRange(NOW, NOW + 5n, bounds)).toEqual({ start: NOW, end: NOW + 5n });
    expect(boundedTimeRange(1n, MAX_U64, undefined)).toEqual({ start: 1n, end: MAX_U64 });
  });

  it('records the bounded range in meta.json and keeps the spans as sent', async () => {
    const store = new MemoryStore();
    const traces = skewedTraces();
    const meta = await writeBlock(store, { tenant: 't', timeBounds: bounds, rowGroupSpans: 40 }, traces);
    expect(meta.startUnixNano).toBe('1');
    expect(meta.endUnixNano).toBe(bounds.maxUnixNano.toString());
    expect(meta.startTime).toBe('1970-01-01T00:00:00.000Z');
    expect(meta.endTime).toBe('2026-01-01T00:02:00.000Z');
    const reader = openBlock(store, meta);
    const future = await reader.findTrace(traces[1][0].span.traceId);
    expect(future!.every((r) => r.span.startTimeUnixNano >= YEAR_2500)).toBe(true);
    const wide = await reader.findTrace(traces[2][0].span.traceId);
    expect(wide!.some((r) => r.span.startTimeUnixNano === 1n && r.span.endTimeUnixNano === MAX_U64)).toBe(true);

    // Without bounds the range is the spans' own, as before.
    const open = await writeBlock(store, { tenant: 't' }, skewedTraces());
    expect(open.startUnixNano).toBe('1');
    expect(open.endUnixNano).toBe(MAX_U64.toString());
    expect(open.endTime).toBe(new Date(Number(MAX_U64 / 1_000_000n) + 1).toISOString());
  });

  it('bounds blocks written from encoded spans (the ingester path) the same way', async () => {
    const store = new MemoryStore();
    const meta = await writeEncodedBlock(store, { tenant: 't', timeBounds: bounds }, encodedTraces(encodeRequests(skewedTraces(), 3)));
    expect([meta.startUnixNano, meta.endUnixNano]).toEqual(['1', bounds.maxUnixNano.toString()]);
  });

  it('refuses bounds that are not a range', async () => {
    const store = new MemoryStore();
    for (const b of [{ minUnixNano: 5n, maxUnixNano: 4n }, { minUnixNano: -1n, maxUnixNano: 4n }, { minUnixNano: 1, maxUnixNano: 2 }]) {
      await expect(writeBlock(store, { tenant: 't', timeBounds: b as never }, skewedTraces())).rejects.toMatchObject({ code: BlockBadOptions.code });
    }
  });
});
