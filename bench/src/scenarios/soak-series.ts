// The soak scenario's arithmetic, apart so it is unit-tested: reading the block gauges from
// /metrics, summarising ack latency and throughput per window, and deciding whether the level-0
// backlog grew.
import { latencyStats } from '../stats.ts';

/** The block list as /metrics shows it at one moment. */
export interface GaugeSample {
  /** Seconds since the soak started. */
  t: number;
  /** Blocks at compaction level 0 (flushed, not merged yet). */
  level0Blocks: number;
  /** Their data.parquet bytes. */
  level0Bytes: number;
  /** All blocks. */
  blocks: number;
  /** Their data.parquet bytes. */
  bytes: number;
}

/** Sums `spanbase_blocklist_level_{blocks,bytes}` over tenants, level 0 and all levels. */
export function blockGauges(metricsText: string): Omit<GaugeSample, 't'> {
  const out = { level0Blocks: 0, level0Bytes: 0, blocks: 0, bytes: 0 };
  for (const m of metricsText.matchAll(/^spanbase_blocklist_level_(blocks|bytes)\{([^}]*)\} ([0-9.e+-]+)$/gm)) {
    const v = Number(m[3]);
    const level0 = /(?:^|,)level="0"/.test(m[2]);
    if (m[1] === 'blocks') {
      out.blocks += v;
      if (level0) out.level0Blocks += v;
    } else {
      out.bytes += v;
      if (level0) out.level0Bytes += v;
    }
  }
  return out;
}

/** One window of the ingest load. */
export interface LoadWindow {
  /** Window end, seconds since the start. */
  t: number;
  /** Ack latency p99 of the requests answered in it, ms (0 when none). */
  p99: number;
  /** Spans accepted per second in it. */
  spansPerSecond: number;
}

/** Ack p99 and accepted spans/s per `windowS` seconds, from the driver's per-request arrays. */
export function windowed(doneAtMs: Float64Array, latencyMs: Float64Array, spans: Float64Array, windowS: number): LoadWindow[] {
  const buckets: { lat: number[]; spans: number }[] = [];
  for (let i = 0; i < doneAtMs.length; i++) {
    const k = Math.floor(doneAtMs[i] / 1000 / windowS);
    buckets[k] ??= { lat: [], spans: 0 };
    buckets[k].lat.push(latencyMs[i]);
    buckets[k].spans += spans[i];
  }
  const out: LoadWindow[] = [];
  for (let k = 0; k < buckets.length; k++) {
    const b = buckets[k] ?? { lat: [], spans: 0 };
    out.push({ t: (k + 1) * windowS, p99: b.lat.length > 0 ? latencyStats(b.lat).p99 : 0, spansPerSecond: b.spans / windowS });
  }
  return out;
}

/**
 * Whether the level-0 backlog grows without bound: its highest block count over the last third
 * of the run is above the highest over the middle third. The first third is left out (the backlog
 * fills from nothing at the start). Under steady state the count comes and goes with merges and
 * reaches the same highs; a compactor that falls behind sets a new high each time.
 */
export function backlogGrew(samples: readonly GaugeSample[]): { grew: boolean; middleMax: number; lastMax: number } {
  const end = samples.at(-1)?.t ?? 0;
  const max = (from: number, to: number) => Math.max(0, ...samples.filter((s) => s.t >= from && s.t < to).map((s) => s.level0Blocks));
  const middleMax = max(end / 3, (2 * end) / 3);
  const lastMax = max((2 * end) / 3, Infinity);
  return { grew: lastMax > middleMax, middleMax, lastMax };
}
