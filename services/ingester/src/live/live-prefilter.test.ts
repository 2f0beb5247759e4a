import { describe, expect, it } from 'vitest';
import { conformanceTraces } from '@spanbase/block/testing';
import { av, groupSpanRecords } from '@spanbase/model';
import type { SpanRecord } from '@spanbase/model';
import { encodeTracesData, scanExportRequest } from '@spanbase/otlp';
import { Chunk } from '../chunk.ts';
import { LiveTrace } from '../live-trace.ts';
import { TraceTests } from './live-prefilter.ts';

const START = 1_767_225_600_123_456_789n;

/** A one-span trace whose resource holds one string attribute (its value ends the resource's bytes) and a scope name. */
function oneSpanTrace(): LiveTrace {
  const base = conformanceTraces({ traces: 1 })[0][0];
  const rec: SpanRecord = {
    ...base,
    span: { ...base.span, startTimeUnixNano: START, endTimeUnixNano: START + 1_500_000_000n, name: 'GET /cart', attributes: [{ key: 'user.id', value: av.string('u-42') }], events: [], links: [] },
    resource: { attributes: [{ key: 'service.name', value: av.string('edge-svc') }], droppedAttributesCount: 0 },
    scope: { name: 'otel-js', version: '1.2.3', attributes: [], droppedAttributesCount: 0 },
  };
  const scan = scanExportRequest(encodeTracesData(groupSpanRecords([rec])));
  const g = new LiveTrace(scan.bytes.slice(scan.traceIdOffset[0], scan.traceIdOffset[0] + 16));
  g.add(new Chunk(scan, undefined, 0), 0, 0);
  return g;
}

const durations = (every: boolean, tests: [op: '=' | '<' | '<=' | '>' | '>=', nanos: bigint][], strings: string[] = []) =>
  new TraceTests({ every, tests: [...tests.map(([op, nanos]) => ({ kind: 'duration' as const, op, nanos })), ...strings.map((value) => ({ kind: 'string' as const, value }))] }).mayHold([oneSpanTrace()]);
const holds = (every: boolean, values: string[]) => new TraceTests({ every, tests: values.map((value) => ({ kind: 'string', value })) }).mayHold([oneSpanTrace()]);

describe('TraceTests', () => {
  it('finds a string in the span, its resource (to the resource\'s last byte) and its scope', () => {
    for (const v of ['GET /cart', 'u-42', 'edge-svc', 'otel-js', '1.2.3']) expect(holds(true, [v]), v).toBe(true);
  });

  it('rules a trace out when a required string is in none of them', () => {
    expect(holds(true, ['edge-svc-2'])).toBe(false);
    expect(holds(true, ['u-43'])).toBe(false);
    expect(holds(true, ['edge-svc', 'u-43'])).toBe(false);
  });

  it('needs one of the strings of a disjunction, and rules nothing out for the empty string', () => {
    expect(holds(false, ['u-43', 'edge-svc'])).toBe(true);
    expect(holds(false, ['u-43', 'nope'])).toBe(false);
    expect(holds(true, [''])).toBe(true);
  });

  it('rules a trace out by its spans\' durations, from the times the scan keeps (1.5 s here)', () => {
    expect(durations(true, [['>', 1_000_000_000n]])).toBe(true);
    expect(durations(true, [['>=', 1_500_000_000n], ['<=', 1_500_000_000n], ['=', 1_500_000_000n]])).toBe(true);
    expect(durations(true, [['>', 2_000_000_000n]])).toBe(false);
    expect(durations(true, [['<', 1_000_000_000n]])).toBe(false);
    expect(durations(true, [['=', 1_500_005_000n]])).toBe(false);
    expect(durations(true, [['>', 1_000_000_000n]], ['u-43'])).toBe(false);
    expect(durations(false, [['>', 2_000_000_000n]], ['u-42'])).toBe(true);
  });
});
