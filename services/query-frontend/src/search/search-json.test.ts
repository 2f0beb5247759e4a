import { describe, expect, it } from 'vitest';
import type { SearchResult, TraceResult } from '@spanbase/traceql';
import type { SearchMetrics } from '@spanbase/query';
import { searchResponseJson, searchResponseText } from './search-json.ts';

const METRICS: SearchMetrics = { inspectedTraces: 7, inspectedBytes: 1234, inspectedSpans: 99, totalBlocks: 2, completedJobs: 3, totalJobs: 3, totalBlockBytes: 5678 };

function traceOf(i: number, spans: number): TraceResult {
  return {
    traceId: i.toString(16).padStart(32, '0'),
    rootServiceName: i % 3 === 0 ? undefined : `svc-${i}`,
    rootTraceName: i % 2 === 0 ? `op "${i}"` : undefined,
    startTimeUnixNano: BigInt(i) * 1_000_000_000n,
    durationNanos: BigInt(i) * 3_000_000n,
    spansets: i % 5 === 0 ? [] : [{
      matched: spans,
      attributes: [{ key: 'count', value: { type: 'int', value: BigInt(i) } }],
      spans: Array.from({ length: spans }, (_, s) => ({
        spanId: (i * 1000 + s).toString(16).padStart(16, '0'),
        name: s % 2 === 0 ? `span ${s}` : '',
        startTimeUnixNano: BigInt(s),
        durationNanos: BigInt(s * 10),
        attributes: [{ key: 'k', value: { type: 'string', value: `v\\n${s}` } }],
      })),
    }],
  };
}

describe('searchResponseText', () => {
  it('writes the same JSON as serializing the response object', async () => {
    for (const count of [0, 1, 37]) {
      const result: SearchResult = { traces: Array.from({ length: count }, (_, i) => traceOf(i, 1 + (i % 4))), inspectedTraces: count, inspectedSpans: 0 };
      expect(await searchResponseText(result, METRICS)).toBe(JSON.stringify(searchResponseJson(result, METRICS)));
    }
    const none: SearchMetrics = { inspectedTraces: 0, inspectedBytes: 0, inspectedSpans: 0, totalBlocks: 0, completedJobs: 0, totalJobs: 0, totalBlockBytes: 0 };
    expect(await searchResponseText({ traces: [], inspectedTraces: 0, inspectedSpans: 0 }, none)).toBe('{"traces":[],"metrics":{}}');
  });

  it('lets the event loop turn while it writes a large answer, and stops when the query is cancelled', async () => {
    const result: SearchResult = { traces: Array.from({ length: 500 }, (_, i) => traceOf(i + 1, 100)), inspectedTraces: 500, inspectedSpans: 0 };
    let turns = 0;
    let writing = true;
    const tick = () => {
      if (!writing) return;
      turns++;
      setImmediate(tick);
    };
    setImmediate(tick);
    await searchResponseText(result, METRICS);
    writing = false;
    expect(turns).toBeGreaterThan(5);
    const abort = new AbortController();
    const text = searchResponseText(result, METRICS, abort.signal);
    abort.abort(new Error('client went away'));
    await expect(text).rejects.toThrow('client went away');
  });
});
