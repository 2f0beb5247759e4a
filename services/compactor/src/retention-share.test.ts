// Retention rules with a share keep that share of the traces their query matches, chosen by trace
// id with the same function as tail sampling at ingest: nested across shares, within binomial
// bounds, and in agreement with the ingest decision for the same share.
import { randomBytes } from 'node:crypto';
import { av } from '@spanbase/model';
import type { SpanRecord } from '@spanbase/model';
import { decideTraces, parseRetentionRule, retentionPolicy, samplingPolicy } from '@spanbase/overrides';
import { describe, expect, it } from 'vitest';
import { judgeTraces } from './retention-filter.ts';

const D = 24 * 3_600_000;

function trace(error: boolean): SpanRecord[] {
  return [{
    span: {
      traceId: randomBytes(16), spanId: randomBytes(8), parentSpanId: new Uint8Array(0), traceState: '', flags: 0, name: 'GET', kind: 2,
      startTimeUnixNano: 1000n, endTimeUnixNano: 2000n, attributes: [], droppedAttributesCount: 0, events: [], droppedEventsCount: 0, links: [], droppedLinksCount: 0,
      status: { code: error ? 2 : 0, message: '' },
    },
    resource: { attributes: [{ key: 'service.name', value: av.string('svc') }], droppedAttributesCount: 0 }, resourceSchemaUrl: '', scope: { name: '', version: '', attributes: [], droppedAttributesCount: 0 }, scopeSchemaUrl: '',
  }];
}

describe('retention rules with a share', () => {
  it('keep errors 90 days, 5% of the rest 30 days and 1% a year, nested and consistent with ingest sampling', async () => {
    const traces = Array.from({ length: 4000 }, (_, i) => trace(i % 40 === 0));
    const policy = retentionPolicy(7 * D, 7 * D, ['{ status = error } 90d', '{ } 30d 0.05', '{ } 365d 1%'].map(parseRetentionRule));
    const at7 = await judgeTraces(policy, 7 * D, traces);
    const at90 = await judgeTraces(policy, 90 * D, traces);
    const errors = traces.map((t) => t[0].span.status.code === 2);
    at7.forEach((v, i) => {
      if (errors[i]) expect(v.keep).toBe(true);
      // Whatever lives a year (1%) also lives 30 days (5%).
      if (at90[i].keep && !errors[i]) expect(v.keep).toBe(true);
    });
    const ordinary = errors.filter((e) => !e).length;
    const kept5 = at7.filter((v, i) => v.keep && !errors[i]).length;
    const kept1 = at90.filter((v, i) => v.keep && !errors[i]).length;
    expect(Math.abs(kept5 - 0.05 * ordinary)).toBeLessThan(4 * Math.sqrt(ordinary * 0.05 * 0.95));
    expect(Math.abs(kept1 - 0.01 * ordinary)).toBeLessThan(4 * Math.sqrt(ordinary * 0.01 * 0.99));
    // Tail sampling at 5% at ingest keeps exactly the traces the 5% rule keeps.
    const ingest = await decideTraces(samplingPolicy({ keep: [], drop: [], defaultRatio: 0.05 }), traces);
    at7.forEach((v, i) => {
      if (!errors[i]) expect(v.keep).toBe(ingest[i].keep);
    });
  });
});
