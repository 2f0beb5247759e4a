// A live search pinned to one trace id looks that trace up instead of decoding every live trace,
// and answers what a search over all of them answers.
import { conformanceTraces } from '@spanbase/block/testing';
import { bytesToHex } from '@spanbase/model';
import type { SpanRecord } from '@spanbase/model';
import { parseOrThrow } from '@spanbase/traceql';
import { describe, expect, it } from 'vitest';
import type { LiveTraceSnapshot } from './live-search.ts';
import { liveSearchSource } from './live-search.ts';

describe('live search source', () => {
  it('looks a pinned trace id up directly, with the same answer as a full scan', async () => {
    const traces = conformanceTraces().slice(0, 6);
    const calls = { all: 0, one: 0 };
    const indexed: LiveTraceSnapshot = {
      liveTraces: () => (calls.all++, traces),
      findTrace: (_t, id) => {
        calls.one++;
        const t = traces.find((x) => bytesToHex(x[0].span.traceId) === bytesToHex(id));
        return t && { records: t };
      },
    };
    const scanOnly: LiveTraceSnapshot = { liveTraces: (): SpanRecord[][] => traces };
    const opts = { limit: 20, spansPerSpanset: 3, start: 0n, end: 0n, signal: new AbortController().signal };
    const id = bytesToHex(traces[2][0].span.traceId);
    for (const q of [`{ trace:id = "${id}" }`, `{ trace:id = "${id}" && kind = server }`, '{ trace:id = "0123" }', '{ trace:id = "nope" }']) {
      const got = await liveSearchSource(indexed, 't').search(parseOrThrow(q), opts);
      const want = await liveSearchSource(scanOnly, 't').search(parseOrThrow(q), opts);
      expect(got, q).toEqual(want);
    }
    expect(calls).toEqual({ all: 0, one: 3 });
    const hit = await liveSearchSource(indexed, 't').search(parseOrThrow(`{ trace:id = "${id}" }`), opts);
    expect(hit.traces.map((t) => t.traceId)).toHaveLength(1);
    // Anything else scans.
    await liveSearchSource(indexed, 't').search(parseOrThrow('{ kind = server }'), opts);
    expect(calls.all).toBe(1);
  });
});
