// A merge keeps its newest input's recorded end (bounded by when the spans were received), not the
// times clients sent: a span dated 2500 or ending at 2^64-1 does not keep the output from expiring,
// and spans stamped 1970 do not get it expired at once.
import { writeBlock } from '@spanbase/block';
import type { SpanRecord } from '@spanbase/model';
import { afterAll, describe, expect, it } from 'vitest';
import { inputTimeBounds } from './run-job.ts';
import { DAY, HOUR, MIN, T0_MS, TempDirs, TestClock, testCompactor } from './testing/scenario.ts';
import { visibleMetas } from './testing/store-check.ts';
import { sortTraces, testTrace } from './testing/traces.ts';

const tmp = new TempDirs();
afterAll(() => tmp.removeAll());

const MS = 1_000_000n;
const SLACK_MS = 2 * MIN;
const YEAR_2500 = 16_725_225_600_000_000_000n;

/** Traces received at `receivedMs`: most stamped then, one dated 2500, one from 1970 to 2554. */
function skewedTraces(first: number, receivedMs: number): SpanRecord[][] {
  const retimed = (r: SpanRecord, start: bigint, end: bigint): SpanRecord => ({ ...r, span: { ...r.span, startTimeUnixNano: start, endTimeUnixNano: end } });
  const traces = Array.from({ length: 6 }, (_, i) => testTrace(first + i, { startNs: BigInt(receivedMs) * MS, spans: 3 }));
  traces[0] = traces[0].map((r) => retimed(r, YEAR_2500, YEAR_2500));
  traces[1][0] = retimed(traces[1][0], 1n, 2n ** 64n - 1n);
  return sortTraces(traces);
}

/** Traces whose clock was reset to 1970. */
function epochTraces(first: number): SpanRecord[][] {
  return sortTraces(Array.from({ length: 3 }, (_, i) => testTrace(first + i, { startNs: 1_000_000_000n, spans: 2 })));
}

describe('compaction of blocks with skewed span times', () => {
  it('keeps the newest input end, so the output expires on time, neither never nor at once', async () => {
    const store = tmp.store();
    const bounds = (at: number) => ({ minUnixNano: BigInt(at - SLACK_MS) * MS, maxUnixNano: BigInt(at + SLACK_MS) * MS });
    const inputs = [
      await writeBlock(store, { tenant: 't', timeBounds: bounds(T0_MS + 5 * MIN), rowGroupSpans: 64 }, skewedTraces(0, T0_MS + 5 * MIN)),
      await writeBlock(store, { tenant: 't', timeBounds: bounds(T0_MS + 20 * MIN), rowGroupSpans: 64 }, skewedTraces(100, T0_MS + 20 * MIN)),
      // Received last, but every span says 1970: its end is raised to the receive time minus the slack.
      await writeBlock(store, { tenant: 't', timeBounds: bounds(T0_MS + 30 * MIN), rowGroupSpans: 64 }, epochTraces(200)),
    ];
    expect(inputs.map((m) => m.endUnixNano)).toEqual([T0_MS + 7 * MIN, T0_MS + 22 * MIN, T0_MS + 28 * MIN].map((ms) => String(BigInt(ms) * MS)));
    const newestEnd = BigInt(T0_MS + 28 * MIN) * MS;
    expect(inputTimeBounds(inputs)).toEqual({ minUnixNano: newestEnd, maxUnixNano: newestEnd });

    const clock = new TestClock(T0_MS + 2 * HOUR);
    const compactor = testCompactor(store, clock);
    expect(await compactor.runCycle()).toMatchObject({ jobs: 1, blocksCompacted: 3, failures: 0 });
    const [out] = await visibleMetas(store, 't');
    expect(out.compactionLevel).toBe(1);
    // The start stays the earliest as sent (1970): it only widens the windows that pick the block.
    expect([out.startUnixNano, out.endUnixNano]).toEqual(['1', String(newestEnd)]);
    expect(out.spanCount).toBe(42);

    // The default block retention (14 days) counts from the newest input's end.
    const expiresAt = T0_MS + 28 * MIN + 14 * DAY;
    clock.t = expiresAt - MIN;
    await compactor.runCycle();
    expect(await visibleMetas(store, 't')).toHaveLength(1);
    clock.t = expiresAt + MIN;
    expect(await compactor.runCycle()).toMatchObject({ blocksExpired: 1 });
    expect(await visibleMetas(store, 't')).toHaveLength(0);
  });
});
