// Random queries over random traces: the pruning in-memory fetcher (conditions pushed down) must
// give exactly what the unpruned reference gives. Any difference is an unsound condition.
import type { SpanRecord } from '@spanbase/model';
import { av } from '@spanbase/model';
import { describe, expect, it } from 'vitest';
import { executeSearch } from './engine.ts';
import { MemoryFetcher } from './memory-fetcher.ts';
import { parse } from './parse.ts';
import { referenceSearch } from './reference.ts';
import { pick, randomAttributes, randomQuery, rng } from './testing/random-queries.ts';

function randomTraces(seed: number): SpanRecord[][] {
  const r = rng(seed);
  const traces: SpanRecord[][] = [];
  for (let t = 0; t < 12; t++) {
    const n = 1 + Math.floor(r() * 25);
    const traceId = new Uint8Array(16);
    traceId[15] = t + 1;
    const records: SpanRecord[] = [];
    for (let i = 0; i < n; i++) {
      const spanId = new Uint8Array(8);
      spanId[6] = t + 1;
      spanId[7] = i + 1;
      let parentSpanId = new Uint8Array(0);
      if (i > 0) {
        parentSpanId = new Uint8Array(8);
        parentSpanId[6] = r() < 0.1 ? 99 : t + 1; // sometimes a parent that never arrived
        parentSpanId[7] = 1 + Math.floor(r() * i);
      }
      const start = BigInt(t) * 10_000_000_000n + BigInt(Math.floor(r() * 1e9));
      records.push({
        span: {
          traceId, spanId, parentSpanId, traceState: '', flags: 0,
          name: pick(r, ['n1', 'n2', 'n3']),
          kind: pick(r, [1, 2, 3] as const),
          startTimeUnixNano: start,
          endTimeUnixNano: start + BigInt(Math.floor(r() * 10_000_000)),
          attributes: randomAttributes(r), droppedAttributesCount: 0,
          events: r() < 0.3 ? [{ timeUnixNano: start, name: pick(r, ['e1', 'e2']), attributes: randomAttributes(r), droppedAttributesCount: 0 }] : [],
          droppedEventsCount: 0, links: [], droppedLinksCount: 0,
          status: { code: pick(r, [0, 1, 2] as const), message: '' },
        },
        resource: { attributes: [{ key: 'service.name', value: av.string(pick(r, ['s1', 's2'])) }, ...randomAttributes(r)], droppedAttributesCount: 0 },
        resourceSchemaUrl: '',
        scope: { name: '', version: '', attributes: [], droppedAttributesCount: 0 },
        scopeSchemaUrl: '',
      });
    }
    traces.push(records);
  }
  return traces;
}

async function outcome(f: () => Promise<unknown>): Promise<unknown> {
  try {
    return await f();
  } catch (e) {
    return { error: (e as { code?: string }).code ?? String(e) };
  }
}

describe('pushdown is sound', () => {
  it.each([1, 2, 3, 4, 5])('random queries agree with the reference (seed %i)', async (seed) => {
    const traces = randomTraces(seed);
    const r = rng(seed * 31);
    let checked = 0;
    for (let i = 0; i < 80; i++) {
      const q = randomQuery(r);
      if (parse(q).errors.length > 0) continue;
      const opts = { limit: 0, spansPerSpanset: 0 };
      const reference = await outcome(async () => (await referenceSearch(q, traces, opts)).traces);
      const pruned = await outcome(async () => (await executeSearch(q, new MemoryFetcher(traces), opts)).traces);
      expect(pruned, q).toEqual(reference);
      checked++;
    }
    expect(checked).toBeGreaterThan(40);
  });
});
