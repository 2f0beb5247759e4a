// Metrics results in Tempo's QueryRangeResponse and QueryInstantResponse JSON, as Grafana parses
// them with jsonpb: 64-bit integers (timestampMs, byte and span counts) as strings, zero values
// and empty lists left out (a sample of value 0 is just {"timestampMs":"…"}), NaN and infinities
// as the strings "NaN", "Infinity", "-Infinity". Samples are oldest first; steps without a value
// have no sample; series without any sample are left out, except compare()'s error markers.
import type { MetricsExemplar, MetricsLabel, MetricsResult, MetricsSeries, TimeGrid } from '@spanbase/traceql';
import { sampleTimeMs, staticToAnyValue } from '@spanbase/traceql';
import { anyValueJson } from '../search/search-json.ts';
import type { MetricsQueryStats } from '@spanbase/query';

type Json = Record<string, unknown>;

/** A double as jsonpb writes it. */
function double(v: number): number | string {
  if (Number.isNaN(v)) return 'NaN';
  if (!Number.isFinite(v)) return v > 0 ? 'Infinity' : '-Infinity';
  return v;
}

function labels(list: readonly MetricsLabel[]): Json[] {
  return list.map((l) => ({ key: l.key, value: anyValueJson(staticToAnyValue(l.value)) }));
}

function exemplar(e: MetricsExemplar): Json {
  const out: Json = {};
  if (e.labels.length > 0) out.labels = labels(e.labels);
  if (e.value !== 0) out.value = double(e.value);
  if (e.timestampMs !== 0) out.timestampMs = String(e.timestampMs);
  return out;
}

/**
 * One series as JSON text, written straight from its values: an answer can hold a million
 * samples, and an object per sample cost the thread that answers ingest more than the text.
 * `stamps[i]` opens the sample of step i (its time, computed once per answer).
 */
function timeSeriesText(s: MetricsSeries, stamps: readonly string[]): string | undefined {
  const samples: string[] = [];
  for (let i = 0; i < s.values.length; i++) {
    const v = s.values[i];
    if (Number.isNaN(v)) continue;
    // A finite double's JSON is its String(); the infinities are strings in jsonpb.
    samples.push(v === 0 ? `${stamps[i]}}` : `${stamps[i]},"value":${Number.isFinite(v) ? String(v) : JSON.stringify(double(v))}}`);
  }
  const isError = s.labels[0]?.key === '__meta_error';
  if (samples.length === 0 && !isError) return undefined;
  let out = `{"labels":${JSON.stringify(labels(s.labels))}`;
  if (samples.length > 0) out += `,"samples":[${samples.join(',')}]`;
  if (s.exemplars.length > 0) out += `,"exemplars":${JSON.stringify(s.exemplars.map(exemplar))}`;
  return out + '}';
}

/** Samples written between two turns of the event loop (a few milliseconds of work). */
const SAMPLES_PER_TURN = 20_000;

/** The `metrics` object (zero counters left out). */
export function queryStatsJson(m: MetricsQueryStats): Json {
  const out: Json = {};
  // 64-bit counters are strings in protobuf JSON, 32-bit ones numbers.
  const u64 = ['inspectedBytes', 'totalBlockBytes', 'inspectedSpans'] as const;
  const u32 = ['totalJobs', 'completedJobs', 'totalBlocks'] as const;
  for (const k of u64) if (m[k] !== 0) out[k] = String(m[k]);
  for (const k of u32) if (m[k] !== 0) out[k] = m[k];
  return out;
}

function withStatus(out: Json, partialMessage: string | undefined): Json {
  if (partialMessage !== undefined) {
    out.status = 'PARTIAL';
    out.message = partialMessage;
  }
  return out;
}

/**
 * A QueryRangeResponse as JSON text. `partialMessage` marks the result partial and says why.
 * Written a few thousand samples at a time with a turn of the event loop between, so a large
 * answer never holds ingest and /ready behind it for long.
 */
export async function queryRangeText(result: MetricsResult, grid: TimeGrid, stats: MetricsQueryStats, partialMessage?: string, signal?: AbortSignal): Promise<string> {
  const series: string[] = [];
  const stamps = Array.from({ length: grid.intervals }, (_, i) => `{"timestampMs":"${sampleTimeMs(grid, i)}"`);
  let written = 0;
  for (const s of result.series) {
    const text = timeSeriesText(s, stamps);
    if (text !== undefined) series.push(text);
    written += s.values.length;
    if (written >= SAMPLES_PER_TURN) {
      written = 0;
      await new Promise((resolve) => setImmediate(resolve));
      signal?.throwIfAborted();
    }
  }
  let out = '{';
  if (series.length > 0) out += `"series":[${series.join(',')}],`;
  out += `"metrics":${JSON.stringify(queryStatsJson(stats))}`;
  if (partialMessage !== undefined) out += `,"status":"PARTIAL","message":${JSON.stringify(partialMessage)}`;
  return out + '}';
}

/** A QueryInstantResponse: each series' one value. */
export function queryInstantJson(result: MetricsResult, stats: MetricsQueryStats, partialMessage?: string): Json {
  const series: Json[] = [];
  for (const s of result.series) {
    if (s.values.length === 0 || Number.isNaN(s.values[0])) continue;
    const one: Json = { labels: labels(s.labels) };
    if (s.values[0] !== 0) one.value = double(s.values[0]);
    series.push(one);
  }
  const out: Json = {};
  if (series.length > 0) out.series = series;
  out.metrics = queryStatsJson(stats);
  return withStatus(out, partialMessage);
}

/** Estimated JSON bytes of one series (labels, its samples, its exemplars). */
export function seriesBytes(s: MetricsSeries): number {
  let samples = 0;
  for (const v of s.values) if (!Number.isNaN(v)) samples++;
  let n = 40 + samples * 48 + s.exemplars.length * 120;
  for (const l of s.labels) n += 40 + l.key.length + (l.value.type === 'string' ? l.value.value.length : 24);
  return n;
}

/**
 * The result cut to the series that fit in `maxBytes` of JSON (in their order), and whether any
 * were left out. Error-marker series (`__meta_error`) are always kept: they say why a result is odd.
 */
export function fitSeries(result: MetricsResult, maxBytes: number): { result: MetricsResult; cut: number } {
  let bytes = 200;
  const kept: MetricsSeries[] = [];
  let cut = 0;
  for (const s of result.series) {
    const b = seriesBytes(s);
    if (bytes + b > maxBytes && s.labels[0]?.key !== '__meta_error') {
      cut++;
      continue;
    }
    bytes += b;
    kept.push(s);
  }
  return { result: cut > 0 ? { ...result, series: kept } : result, cut };
}
