// The jsonpb emulation must reject what Grafana's jsonpb rejects, or the metrics rows pass on
// answers Grafana cannot read.
import { describe, expect, it } from 'vitest';
import { jsonpbViolations } from './jsonpb.ts';

const ok = { series: [{ labels: [{ key: 'p', value: { doubleValue: 0.9 } }], samples: [{ timestampMs: '1700000000000', value: 1.5 }], exemplars: [{ labels: [{ key: 'trace:id', value: { stringValue: 'ab' } }], value: 2, timestampMs: '1700000000001' }] }], metrics: { inspectedSpans: '3', totalJobs: 1 } };

describe('jsonpbViolations', () => {
  it('accepts a QueryRangeResponse as Tempo writes it', () => {
    expect(jsonpbViolations('QueryRangeResponse', ok)).toEqual([]);
    expect(jsonpbViolations('QueryRangeResponse', { ...ok, status: 'PARTIAL', message: 'cut' })).toEqual([]);
  });

  it('rejects unknown fields at any depth', () => {
    expect(jsonpbViolations('QueryRangeResponse', { ...ok, extra: 1 })).toEqual(['$.extra: QueryRangeResponse has no field "extra" (jsonpb rejects unknown fields)']);
    expect(jsonpbViolations('QueryRangeResponse', { series: [{ labels: [], promLabels: '{}' }] })).toHaveLength(1);
  });

  it('rejects values of the wrong JSON type', () => {
    expect(jsonpbViolations('QueryRangeResponse', { series: [{ samples: [{ timestampMs: 'soon' }] }] })).toEqual(['$.series[0].samples[0].timestampMs: int64 must be an integer, got "soon"']);
    expect(jsonpbViolations('QueryRangeResponse', { series: {} })).toHaveLength(1);
    expect(jsonpbViolations('QueryRangeResponse', { status: 'HALF' })).toHaveLength(1);
    expect(jsonpbViolations('QueryInstantResponse', { series: [{ labels: [], value: true }] })).toHaveLength(1);
  });

  it('rejects two members of a oneof', () => {
    expect(jsonpbViolations('QueryInstantResponse', { series: [{ labels: [{ key: 'k', value: { stringValue: 'a', intValue: '1' } }] }] })).toEqual(['$.series[0].labels[0].value: oneof value has 2 members set (stringValue, intValue)']);
  });
});
