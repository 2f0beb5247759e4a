// Tail sampling across SIGKILL: a head block holding kept and dropped traces is cut, the process
// dies while writing it (before meta.json) or right after it became durable (before the WAL
// records are released), more traffic was acknowledged meanwhile, and the restarted process
// replays its WAL. Afterwards exactly the traces the policy keeps are stored, each whole and once;
// no dropped trace comes back and no kept one is missing.
import { keptAt, randomnessOf, thresholdOf } from '@spanbase/model';
import { describe, expect, it } from 'vitest';
import { spawnSpanbase, tempDir } from '../src/harness.ts';
import type { ChildSpanbase } from '../src/harness.ts';
import { exportSpans, makeExporter } from '../src/otel.ts';
import { generateTraffic } from '../src/traffic.ts';
import type { TrafficTrace } from '../src/traffic.ts';

const FLAGS = [
  '--ingester.trace-idle-period=100ms', '--ingester.max-block-duration=200ms', '--ingester.flush-check-period=50ms', '--wal.segment-bytes=8KiB',
  '--sampling.keep={ status = error }', '--sampling.drop={ span.http.route = "/healthz" }', '--sampling.default-ratio=0.2',
];

/** What the policy above keeps: errors, no health check, and the ordinary traces whose id passes a fifth. */
function expectedKept(t: TrafficTrace): boolean {
  if (t.kind === 'error') return true;
  if (t.kind === 'health') return false;
  return keptAt(randomnessOf(Buffer.from(t.traceId, 'hex')), thresholdOf(0.2));
}

async function send(sb: ChildSpanbase, traces: TrafficTrace[]): Promise<void> {
  const exporter = makeExporter('proto', sb);
  expect((await exportSpans(exporter, traces.flatMap((t) => t.spans))).code).toBe(0);
  await exporter.shutdown();
}

async function waitFor(check: () => Promise<boolean> | boolean, what: string, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`${what} never happened`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** Span ids of a trace as stored, sorted ([] when not stored). */
async function storedSpanIds(sb: ChildSpanbase, traceId: string): Promise<string[]> {
  const r = await fetch(`${sb.api}/api/traces/${traceId}`);
  if (r.status === 404) return [];
  expect(r.status).toBe(200);
  const body = (await r.json()) as { batches: { scopeSpans: { spans: { spanId: string }[] }[] }[] };
  return body.batches.flatMap((b) => b.scopeSpans.flatMap((s) => s.spans.map((x) => Buffer.from(x.spanId, 'base64').toString('hex')))).sort();
}

describe.each(['block-before-meta', 'flush-after-meta'])('tail sampling and SIGKILL at %s', (fault) => {
  it('stores exactly the kept traces, each whole and once, after the WAL replays', async () => {
    const dir = tempDir('sb-crash-sampling-');
    const traffic = generateTraffic({ ordinary: 200, error: 20, slow: 0, health: 30 }, Date.now() - 10 * 60_000, 5 * 60_000);
    const sb = await spawnSpanbase(dir, FLAGS, { SPANBASE_FAULT: fault });
    await send(sb, traffic.slice(0, 150));
    await waitFor(() => sb.output().includes(`FAULT ${fault}`), 'the fault');
    // Acknowledged while the flush is stuck: these replay too.
    await send(sb, traffic.slice(150));
    sb.proc.kill('SIGKILL');
    await sb.exited;

    const again = await spawnSpanbase(dir, FLAGS);
    try {
      await waitFor(async () => /spanbase_ingester_memory_bytes 0\b/.test(await (await fetch(`${again.api}/metrics`)).text()), 'the flush after the restart');
      const wrong: string[] = [];
      for (const t of traffic) {
        const want = expectedKept(t) ? t.spans.map((s) => s.spanContext().spanId).sort() : [];
        const got = await storedSpanIds(again, t.traceId);
        if (JSON.stringify(got) !== JSON.stringify(want)) wrong.push(`${t.kind} ${t.traceId}: stored ${got.length} spans, expected ${want.length}`);
      }
      expect(wrong).toEqual([]);
      expect(traffic.filter(expectedKept).length).toBeGreaterThan(20);
    } finally {
      again.proc.kill('SIGTERM');
      await again.exited;
    }
  }, 120_000);
});
