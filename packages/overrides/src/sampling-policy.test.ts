import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { defaultConfig } from '@spanbase/config';
import { av, formatThreshold, hexToBytes, thresholdOf } from '@spanbase/model';
import type { SpanRecord } from '@spanbase/model';
import { describe, expect, it } from 'vitest';
import { Overrides, limitsFromConfig } from './overrides.ts';
import { decideTraces } from './sampling-decide.ts';
import { parseKeepRule, samplingPolicy } from './sampling-policy.ts';
import { errorOf } from './testing.ts';

function trace(idHex: string, over: { route?: string; error?: boolean; traceState?: string } = {}): SpanRecord[] {
  return [{
    span: {
      traceId: hexToBytes(idHex)!, spanId: hexToBytes('0000000000000001')!, parentSpanId: new Uint8Array(0), traceState: over.traceState ?? '', flags: 0, name: 'GET', kind: 2,
      startTimeUnixNano: 1000n, endTimeUnixNano: 2000n, attributes: over.route ? [{ key: 'http.route', value: av.string(over.route) }] : [], droppedAttributesCount: 0,
      events: [], droppedEventsCount: 0, links: [], droppedLinksCount: 0, status: { code: over.error ? 2 : 0, message: '' },
    },
    resource: { attributes: [{ key: 'service.name', value: av.string('svc') }], droppedAttributesCount: 0 }, resourceSchemaUrl: '', scope: { name: '', version: '', attributes: [], droppedAttributesCount: 0 }, scopeSchemaUrl: '',
  }];
}

// Randomness (last 7 bytes) near 0: kept only at ratio 1; near 2^56: kept at any ratio above 0.
// The first byte tells the traces of one batch apart.
const LOW = (n: number) => `${n.toString(16).padStart(2, '0')}0000000000000000000000000000aa`;
const HIGH = (n: number) => `${n.toString(16).padStart(2, '0')}00000000000000fffffffffffffff0`;

describe('sampling policies', () => {
  it('parses keep rules with an optional share and rejects bad ones', () => {
    expect(parseKeepRule('{ status = error }').ratio).toBe(1);
    expect(parseKeepRule('{ span.http.route = "/checkout" } 0.25').ratio).toBe(0.25);
    expect((errorOf(() => parseKeepRule('{ status = error } 2')) as Error).message).toMatch(/from 0 to 1/);
    expect((errorOf(() => parseKeepRule('{ status = ')) as Error).message).toMatch(/sampling keep rule/);
    expect((errorOf(() => samplingPolicy({ keep: [], drop: ['{ } | rate()'], defaultRatio: 1 })) as Error).message).toMatch(/metrics query/);
    expect(samplingPolicy({ keep: ['{ status = error }'], drop: [], defaultRatio: 1 }).active).toBe(false);
    expect(samplingPolicy({ keep: [], drop: [], defaultRatio: 0.1 }).active).toBe(true);
  });

  it('decides: drop rules first, then the largest share of the keep rules matched, then the default ratio', async () => {
    const p = samplingPolicy({ keep: ['{ status = error }', '{ span.http.route = "/checkout" } 0.5'], drop: ['{ span.http.route = "/healthz" }'], defaultRatio: 0.1 });
    const d = await decideTraces(p, [trace(LOW(1), { error: true }), trace(HIGH(2), { route: '/healthz', error: true }), trace(LOW(3)), trace(HIGH(4)), trace(HIGH(5), { route: '/checkout' })]);
    expect(d.map((x) => [x.keep, x.rule, formatThreshold(x.threshold)])).toEqual([
      [true, '{ status = error }', '0'],
      [false, '{ span.http.route = "/healthz" }', '0'],
      [false, 'default', formatThreshold(thresholdOf(0.1))],
      [true, 'default', formatThreshold(thresholdOf(0.1))],
      [true, '{ span.http.route = "/checkout" } 0.5', '8'],
    ]);
  });

  it('keeps the larger of its threshold and one applied upstream, and uses an explicit rv', async () => {
    const p = samplingPolicy({ keep: ['{ status = error }'], drop: [], defaultRatio: 0.5 });
    const [err, ordinary, rv] = await decideTraces(p, [trace(HIGH(1), { error: true, traceState: 'ot=th:c' }), trace(HIGH(2), { traceState: 'ot=th:4' }), trace(LOW(3), { traceState: 'ot=rv:ffffffffffffff' })]);
    expect([err.keep, formatThreshold(err.threshold)]).toEqual([true, 'c']);
    expect([ordinary.keep, formatThreshold(ordinary.threshold)]).toEqual([true, '8']);
    expect(rv.keep).toBe(true);
  });

  it('comes from the flags and per tenant from the overrides file', () => {
    const dir = mkdtempSync(join(tmpdir(), 'sb-sampling-'));
    const file = join(dir, 'o.yaml');
    writeFileSync(file, 'overrides:\n  noisy:\n    sampling:\n      drop: [\'{ span.http.route = "/healthz" }\']\n      default_ratio: 0.02\n');
    const cfg = defaultConfig({ 'sampling.keep': ['{ status = error }'], 'sampling.default-ratio': 0.5 });
    const o = new Overrides(limitsFromConfig(cfg), { path: file });
    expect(o.sampling('other')).toMatchObject({ defaultRatio: 0.5, drop: [] });
    expect(o.sampling('noisy')).toMatchObject({ defaultRatio: 0.02, keep: [{ text: '{ status = error }' }], drop: [{ text: '{ span.http.route = "/healthz" }' }] });
    writeFileSync(file, 'overrides:\n  noisy:\n    sampling: { default_ratio: 3 }\n');
    expect(o.reload()).toBe(false);
    writeFileSync(file, 'overrides:\n  noisy:\n    sampling: { default_ratio: 1 }\n');
    expect(o.reload()).toBe(true);
    expect(o.sampling('noisy').active).toBe(false);
    expect((errorOf(() => limitsFromConfig(defaultConfig({ 'sampling.drop': ['{ nope'] }))) as Error).message).toMatch(/sampling drop rule/);
  });
});
