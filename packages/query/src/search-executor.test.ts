import { parseOrThrow } from '@spanbase/traceql';
import type { SearchResult, TraceResult } from '@spanbase/traceql';
import { describe, expect, it } from 'vitest';
import { executeSearchOver } from './search-executor.ts';
import type { SearchSource } from './search-source.ts';

function trace(id: string, startNs: bigint): TraceResult {
  return { traceId: id, rootServiceName: 's', rootTraceName: 'n', startTimeUnixNano: startNs, durationNanos: 1n, spansets: [{ matched: 1, spans: [], attributes: [] }] };
}

/** A block-like source holding `traces`, answering after `delayMs`; records whether it ran. */
function source(name: string, startNs: bigint, endNs: bigint, traces: TraceResult[], delayMs: number, ran: string[]): SearchSource {
  return {
    name,
    timeRange: { startNs, endNs },
    bytes: 1,
    isBlock: true,
    async search(_q, o): Promise<SearchResult> {
      ran.push(name);
      await new Promise((r) => setTimeout(r, delayMs));
      o.signal.throwIfAborted();
      const sorted = [...traces].sort((a, b) => (a.startTimeUnixNano > b.startTimeUnixNano ? -1 : 1)).slice(0, o.limit);
      return { traces: sorted, inspectedTraces: traces.length, inspectedSpans: traces.length };
    },
  };
}

const q = parseOrThrow('{}');
const opts = (limit: number, concurrency: number) => ({ limit, spansPerSpanset: 3, start: 0n, end: 0n, concurrency, signal: new AbortController().signal });

describe('executeSearchOver', () => {
  it('reports the spans and bytes sources say they scanned, a block that does not say counting whole', async () => {
    const ran: string[] = [];
    const scanned: SearchSource = { ...source('scanned', 0n, 100n, [trace('a', 50n)], 1, ran), bytes: 5000, search: async () => ({ traces: [trace('a', 50n)], inspectedTraces: 1, inspectedSpans: 1200, inspectedBytes: 321 }) };
    const r = await executeSearchOver([scanned, { ...source('plain', 100n, 200n, [], 1, ran), bytes: 77 }], q, opts(20, 2));
    expect([r.metrics.inspectedSpans, r.metrics.inspectedBytes, r.metrics.totalBlockBytes]).toEqual([1200, 321 + 77, 5077]);
  });


  it('counts a source that lost part of what it read as answered but not completed', async () => {
    const ran: string[] = [];
    const whole = source('whole', 0n, 100n, [trace('a', 50n)], 1, ran);
    const lossy: SearchSource = { ...source('lossy', 100n, 200n, [], 1, ran), search: async () => ({ traces: [trace('b', 150n)], inspectedTraces: 1, inspectedSpans: 1, failures: [{ source: 'block x', error: new Error('unreadable') }] }) };
    const damaged: SearchSource = { ...source('damaged', 200n, 300n, [], 1, ran), search: async () => ({ traces: [], inspectedTraces: 0, inspectedSpans: 0, incomplete: new Error('row group lost') }) };
    const r = await executeSearchOver([whole, lossy, damaged], q, opts(20, 2));
    expect(r.result.traces.map((t) => t.traceId).sort()).toEqual(['a', 'b']);
    expect([r.metrics.completedJobs, r.answeredJobs, r.metrics.totalJobs, r.failed.length]).toEqual([1, 3, 3, 2]);
  });

  it('visits newest sources first and stops once older ones cannot change the answer', async () => {
    const ran: string[] = [];
    const sources = [
      source('old', 0n, 100n, [trace('a', 50n)], 1, ran),
      source('new', 200n, 300n, [trace('b', 250n), trace('c', 260n)], 1, ran),
      source('mid', 100n, 200n, [trace('d', 150n)], 1, ran),
    ];
    const r = await executeSearchOver(sources, q, opts(2, 1));
    expect(r.result.traces.map((t) => t.traceId)).toEqual(['c', 'b']);
    expect(ran).toEqual(['new']);
  });

  it('keeps the results of sources still running when the answer becomes certain', async () => {
    const ran: string[] = [];
    // Two run at once: the newer block is slow, the older one fast. When the older one answers,
    // the only unvisited block is older still — but the newer, running one must still count.
    const sources = [
      source('newer-slow', 200n, 300n, [trace('new', 290n)], 60, ran),
      source('older-fast', 100n, 200n, [trace('old', 150n)], 1, ran),
      source('oldest', 0n, 100n, [trace('oldest', 50n)], 1, ran),
    ];
    const r = await executeSearchOver(sources, q, opts(1, 2));
    expect(r.result.traces.map((t) => t.traceId)).toEqual(['new']);
    expect(ran).not.toContain('oldest');
  });

  it('merges the spansets of a trace found in several sources', async () => {
    const ran: string[] = [];
    const sources = [source('x', 0n, 100n, [trace('t', 10n)], 1, ran), source('y', 0n, 100n, [trace('t', 5n)], 1, ran)];
    const r = await executeSearchOver(sources, q, opts(10, 2));
    expect(r.result.traces).toHaveLength(1);
    expect(r.result.traces[0].spansets).toHaveLength(2);
    expect(r.result.traces[0].startTimeUnixNano).toBe(5n);
  });

  it('merges packed spansets of a trace by joining their bytes, in a buffer of its own', async () => {
    const ran: string[] = [];
    const packed = (t: TraceResult, b: number[]): TraceResult => ({ ...t, spansets: [], packed: { bytes: new Uint8Array(b), spansets: 1, spans: 2, jsonBytes: 100 } });
    const sources = [source('x', 0n, 100n, [packed(trace('t', 10n), [1, 2])], 1, ran), source('y', 0n, 100n, [packed(trace('t', 5n), [3])], 5, ran), source('z', 0n, 100n, [trace('t', 7n)], 10, ran)];
    const r = await executeSearchOver(sources, q, opts(10, 3));
    const t = r.result.traces[0];
    expect([...t.packed!.bytes]).toEqual([1, 2, 3]);
    expect(t.packed!.bytes.buffer.byteLength).toBe(3);
    expect(t.packed).toMatchObject({ spansets: 2, spans: 4, jsonBytes: 200 });
    expect(t.spansets).toHaveLength(1);
  });
});
