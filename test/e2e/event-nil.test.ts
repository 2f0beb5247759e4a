// `{ event.x = nil }` and `{ link.x = nil }` as Tempo answers them: event and link attributes are
// compared per event (link), so `= nil` matches spans with at least one event (link) without the
// attribute, never spans without events (links). Checked over the HTTP API on live data, then on
// the same spans in blocks, for search and for a metrics query (the column path).
import { av, bytesToHex } from '@spanbase/model';
import type { Span, SpanEvent, SpanLink } from '@spanbase/model';
import { encodeTracesData } from '@spanbase/otlp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FAST_FLUSH, waitForFlush } from '../src/flush.ts';
import { startTestSpanbase } from '../src/harness.ts';
import type { TestSpanbase } from '../src/harness.ts';
import { request, span } from '../src/spans.ts';

const NOW = BigInt(Date.now() - 60_000) * 1_000_000n;

function event(attrs: Record<string, string>): SpanEvent {
  return { timeUnixNano: NOW, name: 'e', attributes: Object.entries(attrs).map(([key, v]) => ({ key, value: av.string(v) })), droppedAttributesCount: 0 };
}

function link(attrs: Record<string, string>): SpanLink {
  return { traceId: new Uint8Array(16).fill(9), spanId: new Uint8Array(8).fill(9), traceState: '', attributes: Object.entries(attrs).map(([key, v]) => ({ key, value: av.string(v) })), droppedAttributesCount: 0, flags: 0 };
}

/** One trace per span, named after what its events and links hold. */
const SPANS: Span[] = [
  span({ name: 'none', startTimeUnixNano: NOW, endTimeUnixNano: NOW + 1000n }),
  span({ name: 'lacks', startTimeUnixNano: NOW, endTimeUnixNano: NOW + 1000n, events: [event({ other: 'x' })], links: [link({ other: 'x' })] }),
  span({ name: 'has', startTimeUnixNano: NOW, endTimeUnixNano: NOW + 1000n, events: [event({ foo: 'x' })], links: [link({ foo: 'x' })] }),
  span({ name: 'mixed', startTimeUnixNano: NOW, endTimeUnixNano: NOW + 1000n, events: [event({ foo: 'x' }), event({})], links: [link({}), link({ foo: 'y' })] }),
];

const EXPECTED: Record<string, string[]> = {
  '{ event.foo = nil }': ['lacks', 'mixed'],
  '{ event.foo != nil }': ['has', 'mixed'],
  '{ link.foo = nil }': ['lacks', 'mixed'],
  '{ link.foo != nil }': ['has', 'mixed'],
  '{ event.foo = nil && link.foo != nil }': ['mixed'],
  '{ .foo = nil }': ['has', 'lacks', 'mixed', 'none'],
};

async function matched(sb: TestSpanbase, q: string): Promise<string[]> {
  const r = await fetch(`${sb.api}/api/search?${new URLSearchParams({ q, limit: '100', spss: '100' })}`);
  expect(r.status, q).toBe(200);
  const body = (await r.json()) as { traces: { rootTraceName: string }[] };
  return body.traces.map((t) => t.rootTraceName).sort();
}

async function counted(sb: TestSpanbase, filter: string): Promise<number> {
  const end = BigInt(Date.now()) * 1_000_000n;
  const params = { q: `${filter} | count_over_time()`, start: String(end - 3_600_000_000_000n), end: String(end), step: '3600s' };
  const r = await fetch(`${sb.api}/api/metrics/query_range?${new URLSearchParams(params)}`);
  expect(r.status, filter).toBe(200);
  const body = (await r.json()) as { series: { samples: { value?: number }[] }[] };
  return body.series.flatMap((s) => s.samples).reduce((n, p) => n + (p.value ?? 0), 0);
}

async function expectTempoAnswers(sb: TestSpanbase): Promise<void> {
  for (const [q, names] of Object.entries(EXPECTED)) {
    expect(await matched(sb, q), q).toEqual(names);
    expect(await counted(sb, q), `${q} | count_over_time()`).toBe(names.length);
  }
}

describe('nil tests on event and link attributes', () => {
  let sb: TestSpanbase;
  beforeAll(async () => {
    sb = await startTestSpanbase(FAST_FLUSH);
  });
  afterAll(() => sb?.stop());

  it('match spans with an event (link) lacking the attribute, live and in blocks', { timeout: 60_000 }, async () => {
    for (const s of SPANS) {
      const r = await fetch(sb.otlpHttp, { method: 'POST', body: encodeTracesData(request([s])), headers: { 'content-type': 'application/x-protobuf' } });
      expect(r.status, bytesToHex(s.traceId)).toBe(200);
    }
    await expectTempoAnswers(sb);
    await waitForFlush(sb);
    await expectTempoAnswers(sb);
  });
});
