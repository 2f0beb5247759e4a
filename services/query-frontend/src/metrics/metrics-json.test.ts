// The protobuf-JSON details of metrics responses, field by field.
import { describe, expect, it } from 'vitest';
import { rangeGrid } from '@spanbase/traceql';
import type { MetricsResult, MetricsSeries } from '@spanbase/traceql';
import { queryInstantJson, queryRangeText, queryStatsJson } from './metrics-json.ts';

const S = 1_000_000_000n;
const grid = rangeGrid(1_700_000_040n * S, 1_700_000_160n * S, 60n * S); // 3 steps from 1_699_999_980
const stats = { inspectedBytes: 0, inspectedSpans: 7, totalBlocks: 0, totalJobs: 1, completedJobs: 1, totalBlockBytes: 0 };

function result(...series: MetricsSeries[]): MetricsResult {
  return { series, truncated: false, spans: 7 };
}

describe('queryRangeText', () => {
  it('writes labels by type, timestamps as strings, leaves out zero values and steps without a value', async () => {
    const s: MetricsSeries = {
      labels: [
        { key: 'resource.service.name', value: { type: 'string', value: 'cart' } },
        { key: 'span.http.status_code', value: { type: 'int', value: 200n } },
        { key: 'p', value: { type: 'float', value: 0.5 } },
        { key: 'span.ok', value: { type: 'bool', value: true } },
        { key: 'status', value: { type: 'status', value: 'error' } },
        { key: 'x', value: { type: 'nil' } },
      ],
      values: Float64Array.from([0, NaN, 2.5]),
      exemplars: [
        { labels: [{ key: 'trace:id', value: { type: 'string', value: 'ab' } }], value: 0, timestampMs: 1_700_000_100_123 },
        { labels: [], value: Infinity, timestampMs: 1_700_000_101_000 },
      ],
    };
    expect(JSON.parse(await queryRangeText(result(s), grid, stats))).toEqual({
      series: [
        {
          labels: [
            { key: 'resource.service.name', value: { stringValue: 'cart' } },
            { key: 'span.http.status_code', value: { intValue: '200' } },
            { key: 'p', value: { doubleValue: 0.5 } },
            { key: 'span.ok', value: { boolValue: true } },
            { key: 'status', value: { stringValue: 'error' } },
            { key: 'x', value: { stringValue: 'nil' } },
          ],
          samples: [{ timestampMs: '1700000040000' }, { timestampMs: '1700000160000', value: 2.5 }],
          exemplars: [
            { labels: [{ key: 'trace:id', value: { stringValue: 'ab' } }], timestampMs: '1700000100123' },
            { value: 'Infinity', timestampMs: '1700000101000' },
          ],
        },
      ],
      metrics: { inspectedSpans: '7', totalJobs: 1, completedJobs: 1 },
    });
  });

  it('drops series without samples, except compare() error markers, and marks partial results', async () => {
    const empty: MetricsSeries = { labels: [{ key: '__name__', value: { type: 'string', value: 'min_over_time' } }], values: Float64Array.from([NaN, NaN, NaN]), exemplars: [] };
    const marker: MetricsSeries = { labels: [{ key: '__meta_error', value: { type: 'string', value: '__too_many_values__' } }, { key: 'name', value: { type: 'nil' } }], values: new Float64Array(0), exemplars: [] };
    const out = JSON.parse(await queryRangeText(result(empty, marker), grid, stats, 'block x could not be read'));
    expect(out).toEqual({
      series: [{ labels: [{ key: '__meta_error', value: { stringValue: '__too_many_values__' } }, { key: 'name', value: { stringValue: 'nil' } }] }],
      metrics: { inspectedSpans: '7', totalJobs: 1, completedJobs: 1 },
      status: 'PARTIAL',
      message: 'block x could not be read',
    });
    expect(JSON.parse(await queryRangeText(result(), grid, stats))).toEqual({ metrics: { inspectedSpans: '7', totalJobs: 1, completedJobs: 1 } });
  });

  it('writes NaN-free doubles as numbers and infinities as strings, and lets the event loop turn while it writes a large answer', async () => {
    const inf: MetricsSeries = { labels: [{ key: 'a', value: { type: 'int', value: 1n } }], values: Float64Array.from([Infinity, -Infinity, 1e21]), exemplars: [] };
    expect(JSON.parse(await queryRangeText(result(inf), grid, stats)).series[0].samples.map((x: { value: unknown }) => x.value)).toEqual(['Infinity', '-Infinity', 1e21]);
    const big = Array.from({ length: 1000 }, (_, i): MetricsSeries => ({ labels: [{ key: 'span:id', value: { type: 'string', value: `s${i}` } }], values: new Float64Array(660).fill(i), exemplars: [] }));
    const wide = rangeGrid(1_700_000_000n * S, 1_700_000_660n * S, S);
    let turns = 0;
    let ticking = true;
    const tick = () => {
      turns++;
      if (ticking) setImmediate(tick);
    };
    setImmediate(tick);
    const text = await queryRangeText(result(...big), wide, stats);
    ticking = false;
    expect(JSON.parse(text).series).toHaveLength(1000);
    expect(turns).toBeGreaterThan(10);
  });

  it('writes 64-bit counters as strings and 32-bit ones as numbers', async () => {
    expect(queryStatsJson({ inspectedBytes: 10, inspectedSpans: 0, totalBlocks: 2, totalJobs: 3, completedJobs: 3, totalBlockBytes: 20 })).toEqual({ inspectedBytes: '10', totalBlockBytes: '20', totalJobs: 3, completedJobs: 3, totalBlocks: 2 });
  });
});

describe('queryInstantJson', () => {
  it('gives each series its one value, leaving out zero values and series without one', async () => {
    const a: MetricsSeries = { labels: [{ key: 'k', value: { type: 'string', value: 'a' } }], values: Float64Array.from([3]), exemplars: [] };
    const zero: MetricsSeries = { labels: [{ key: 'k', value: { type: 'string', value: 'b' } }], values: Float64Array.from([0]), exemplars: [] };
    const none: MetricsSeries = { labels: [{ key: 'k', value: { type: 'string', value: 'c' } }], values: Float64Array.from([NaN]), exemplars: [] };
    expect(queryInstantJson(result(a, zero, none), stats)).toEqual({
      series: [{ labels: [{ key: 'k', value: { stringValue: 'a' } }], value: 3 }, { labels: [{ key: 'k', value: { stringValue: 'b' } }] }],
      metrics: { inspectedSpans: '7', totalJobs: 1, completedJobs: 1 },
    });
  });
});
