// A merge keeps its inputs' recorded time ranges (bounded by when the spans were received), not
// the times clients sent: a span dated 2500 or ending at 2^64-1 neither stretches the output's
// range nor keeps it from expiring on time.
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

describe('compaction of blocks with skewed span times', () => {
  it('bounds the output by the union of the inputs ranges and expires it on time', async () => {
    const store = tmp.store();
    const received = [T0_MS + 5 * MIN, T0_MS + 20 * MIN];
    const inputs = [];
    for (const [i, at] of received.entries()) {
      const timeBounds = { minUnixNano: BigInt(at - SLACK_MS) * MS, maxUnixNano: BigInt(at + SLACK_MS) * MS };
      inputs.push(await writeBlock(store, { tenant: 't', timeBounds, rowGroupSpans: 64 }, skewedTraces(i * 100, at)));
    }
    expect(inputTimeBounds(inputs)).toEqual({ minUnixNano: BigInt(received[0] - SLACK_MS) * MS, maxUnixNano: BigInt(received[1] + SLACK_MS) * MS });

    const clock = new TestClock(T0_MS + 2 * HOUR);
    const compactor = testCompactor(store, clock);
    expect(await compactor.runCycle()).toMatchObject({ jobs: 1, blocksCompacted: 2, failures: 0 });
    const [out] = await visibleMetas(store, 't');
    expect(out.compactionLevel).toBe(1);
    expect([out.startUnixNano, out.endUnixNano]).toEqual([String(BigInt(received[0] - SLACK_MS) * MS), String(BigInt(received[1] + SLACK_MS) * MS)]);
    expect(out.spanCount).toBe(36);

    // The default block retention (14 days) counts from the last receive time plus the slack.
    const expiresAt = received[1] + SLACK_MS + 14 * DAY;
    clock.t = expiresAt - MIN;
    await compactor.runCycle();
    expect(await visibleMetas(store, 't')).toHaveLength(1);
    clock.t = expiresAt + MIN;
    expect(await compactor.runCycle()).toMatchObject({ blocksExpired: 1 });
    expect(await visibleMetas(store, 't')).toHaveLength(0);
  });
});
