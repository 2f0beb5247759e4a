// Spans from clients whose clocks are far off (dated 2500, or ending at 2^64-1) next to real
// ones: a search without a range still answers the newest real traces, from memory and from
// blocks; the blocks' recorded ranges end within the receive times plus or minus the slack, so
// retention expires them on time; spans that arrive late stay findable by their own time; trace
// by id returns every timestamp as it was sent.
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Span } from '@spanbase/model';
import { bytesToHex, traceIdToSearchHex } from '@spanbase/model';
import { encodeTracesData } from '@spanbase/otlp';
import { afterAll, describe, expect, it } from 'vitest';
import { FAST_FLUSH, waitForFlush } from '../src/flush.ts';
import { startTestSpanbase } from '../src/harness.ts';
import type { TestSpanbase } from '../src/harness.ts';
import { request, span } from '../src/spans.ts';

const SLACK_MS = 2000;
const RETENTION_MS = 8000;
const MS = 1_000_000n;
const YEAR_2500 = 16_725_225_600_000_000_000n;
const MAX_U64 = 2n ** 64n - 1n;

async function post(sb: TestSpanbase, spans: Span[]): Promise<void> {
  const r = await fetch(sb.otlpHttp, { method: 'POST', body: encodeTracesData(request(spans)), headers: { 'content-type': 'application/x-protobuf' } });
  expect(r.status).toBe(200);
}

async function searchIds(sb: TestSpanbase): Promise<string[]> {
  const r = await fetch(`${sb.api}/api/search?q=${encodeURIComponent('{}')}`);
  expect(r.status).toBe(200);
  return ((await r.json()) as { traces: { traceID: string }[] }).traces.map((t) => t.traceID);
}

/** The live (not compacted or expired) metas in the blocks directory. */
function liveMetas(sb: TestSpanbase): { startUnixNano: string; endUnixNano: string }[] {
  const tenantDir = join(sb.dataDir, 'blocks', 'single-tenant');
  if (!existsSync(tenantDir)) return [];
  return readdirSync(tenantDir)
    .map((id) => join(tenantDir, id, 'meta.json'))
    .filter((p) => existsSync(p))
    .map((p) => JSON.parse(readFileSync(p, 'utf8')) as { startUnixNano: string; endUnixNano: string });
}

interface TraceJson {
  trace: { resourceSpans: { scopeSpans: { spans: { startTimeUnixNano: string; endTimeUnixNano: string }[] }[] }[] };
}

async function spanTimes(sb: TestSpanbase, traceId: Uint8Array): Promise<[string, string][]> {
  const r = await fetch(`${sb.api}/api/v2/traces/${bytesToHex(traceId)}`);
  expect(r.status).toBe(200);
  const body = (await r.json()) as TraceJson;
  return body.trace.resourceSpans.flatMap((rs) => rs.scopeSpans.flatMap((ss) => ss.spans.map((s) => [s.startTimeUnixNano, s.endTimeUnixNano] as [string, string])));
}

describe('spans dated far from the receive time', () => {
  let sb: TestSpanbase;
  afterAll(() => sb?.stop());

  it('leave search, block ranges and retention to the real ones; trace by id returns them as sent', async () => {
    sb = await startTestSpanbase({
      ...FAST_FLUSH,
      'ingestion.time-range-slack': SLACK_MS,
      'compaction.cycle': 250,
      'compaction.block-retention': RETENTION_MS,
    });
    const sentFrom = Date.now();
    // Twenty traces from a clock in the year 2500: without the slack they are the "newest" and
    // fill the default limit of 20.
    const future = Array.from({ length: 20 }, (_, i) => span({ startTimeUnixNano: YEAR_2500 + BigInt(i) * 1000n, endTimeUnixNano: YEAR_2500 + BigInt(i) * 1000n + MS }));
    // One span from 1970 to 2^64-1 (year 2554).
    const wide = span({ startTimeUnixNano: 1n, endTimeUnixNano: MAX_U64 });
    await post(sb, [...future, wide]);
    // Spans that arrive half an hour late (a collector's queue draining after an outage).
    const lateStart = BigInt(sentFrom - 30 * 60_000) * MS;
    const late = span({ startTimeUnixNano: lateStart, endTimeUnixNano: lateStart + MS });
    await post(sb, [late]);
    const real = [span(), span(), span()];
    await post(sb, real);
    const sentTo = Date.now();
    const realIds = real.map((s) => traceIdToSearchHex(s.traceId));
    const futureIds = new Set(future.map((s) => traceIdToSearchHex(s.traceId)));

    const expectRealFirst = (ids: string[]) => {
      expect(ids.filter((id) => futureIds.has(id))).toEqual([]);
      expect(ids.slice(0, 3).sort()).toEqual([...realIds].sort());
    };
    expectRealFirst(await searchIds(sb)); // from memory

    await waitForFlush(sb);
    const metas = liveMetas(sb);
    expect(metas.length).toBeGreaterThan(0);
    for (const m of metas) {
      // Ends within the receive times plus or minus the slack; starts never after them (a start
      // as old as sent, 1970 here, only widens the windows that pick the block).
      expect(BigInt(m.endUnixNano)).toBeGreaterThanOrEqual(BigInt(sentFrom - SLACK_MS) * MS);
      expect(BigInt(m.endUnixNano)).toBeLessThanOrEqual(BigInt(sentTo + SLACK_MS) * MS);
      expect(BigInt(m.startUnixNano)).toBeLessThanOrEqual(BigInt(m.endUnixNano));
    }
    expectRealFirst(await searchIds(sb)); // from blocks
    const counted = /spanbase_ingester_traces_outside_time_slack_total\{tenant="single-tenant"\} (\d+)/.exec(await (await fetch(`${sb.api}/metrics`)).text());
    expect(Number(counted?.[1])).toBe(22); // the 20 dated 2500, the one from 1970, the late one

    // The times as sent, to the nanosecond.
    expect(await spanTimes(sb, future[7].traceId)).toEqual([[String(YEAR_2500 + 7000n), String(YEAR_2500 + 7000n + MS)]]);
    expect(await spanTimes(sb, wide.traceId)).toEqual([['1', MAX_U64.toString()]]);
    // The late trace is still found by a range around its own time, from a block.
    const lateSec = Number(lateStart / 1_000_000_000n);
    const lateRange = await fetch(`${sb.api}/api/search?q=${encodeURIComponent('{}')}&start=${lateSec - 60}&end=${lateSec + 60}`);
    const lateIds = ((await lateRange.json()) as { traces: { traceID: string }[] }).traces.map((t) => t.traceID);
    // (The 1970-to-2554 trace overlaps every range.)
    expect(lateIds.sort()).toEqual([traceIdToSearchHex(late.traceId), traceIdToSearchHex(wide.traceId)].sort());
    // An explicit range reaching 2500 still finds the future traces: the blocks were received now.
    const explicit = await fetch(`${sb.api}/api/search?q=${encodeURIComponent('{}')}&start=${Math.floor(sentFrom / 1000) - 60}&end=${YEAR_2500 / 1_000_000_000n + 60n}&limit=50`);
    const explicitIds = ((await explicit.json()) as { traces: { traceID: string }[] }).traces.map((t) => t.traceID);
    expect(explicitIds.filter((id) => futureIds.has(id))).toHaveLength(20);

    // Retention goes by the receive time: every block, the one holding the 2554 span included,
    // expires once its last receive time plus the slack is older than the retention.
    const deadline = sentTo + SLACK_MS + RETENTION_MS + 15_000;
    while (liveMetas(sb).length > 0) {
      expect(Date.now(), 'blocks were not expired in time').toBeLessThan(deadline);
      await new Promise((r) => setTimeout(r, 100));
    }
    expect(Date.now()).toBeGreaterThanOrEqual(sentFrom + RETENTION_MS);
  }, 60_000);
});
