import { readdirSync } from 'node:fs';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { av, bytesToHex } from '@spanbase/model';
import type { Span, TracesData } from '@spanbase/model';
import { encodeTracesData, scanExportRequest } from '@spanbase/otlp';
import { silentLogger } from '@spanbase/server';
import { describe, expect, it } from 'vitest';
import type { BlockSink, FlushBatch } from './block-sink.ts';
import { batchTraces } from './flush-batch.ts';
import { Ingester, flushRetryDelay } from './ingester.ts';
import type { IngesterOptions } from './ingester.ts';

let seq = 1;
function id(bytes: number, n: number): Uint8Array {
  const out = new Uint8Array(bytes);
  new DataView(out.buffer).setUint32(bytes - 4, n);
  return out;
}

function spanOf(trace: number, start = 1000n): Span {
  return {
    traceId: id(16, trace), spanId: id(8, seq++), parentSpanId: new Uint8Array(0), traceState: '', flags: 0, name: `op-${trace}`, kind: 2,
    startTimeUnixNano: start, endTimeUnixNano: start + 10n, attributes: [{ key: 'a', value: av.int(1) }], droppedAttributesCount: 0,
    events: [], droppedEventsCount: 0, links: [], droppedLinksCount: 0, status: { code: 0, message: '' },
  };
}

function req(spans: Span[]): Uint8Array {
  const data: TracesData = { resourceSpans: [{ resource: { attributes: [{ key: 'service.name', value: av.string('svc') }], droppedAttributesCount: 0 }, schemaUrl: '', scopeSpans: [{ scope: undefined, schemaUrl: '', spans }] }] };
  return encodeTracesData(data);
}

/** A sink that decodes each batch and keeps it, recording what the ingester handed over. */
class RecordingSink implements BlockSink {
  batches: { tenant: string; traces: string[]; spans: number }[] = [];
  fail = false;
  async write(b: FlushBatch) {
    if (this.fail) throw new Error('store down');
    const traces: string[] = [];
    let spans = 0;
    for (const recs of batchTraces(b)) {
      expect(new Set(recs.map((r) => bytesToHex(r.span.traceId))).size).toBe(1);
      traces.push(bytesToHex(recs[0].span.traceId));
      spans += recs.length;
    }
    expect([...traces].sort()).toEqual(traces); // ascending trace-id order
    this.batches.push({ tenant: b.tenant, traces, spans });
    return { blockId: `b${this.batches.length}`, meta: {} };
  }
  async close() {}
}

/** Counts turns of the event loop (setImmediate callbacks) while `when()` holds, until stopped. */
function countTurns(when: () => boolean): { count: number; stop(): void } {
  let counting = true;
  const turns = { count: 0, stop: () => void (counting = false) };
  const tick = (): void => {
    if (when()) turns.count++;
    if (counting) setImmediate(tick);
  };
  setImmediate(tick);
  return turns;
}

async function start(over: Partial<IngesterOptions> = {}) {
  let now = 1_000_000;
  const dir = mkdtempSync(join(tmpdir(), 'sb-ing-'));
  const sink = new RecordingSink();
  const flushed: string[] = [];
  const ing = await Ingester.start({
    walDir: dir, walFsync: 'never', walFsyncIntervalMs: 1000, walSegmentBytes: 4096, maxLiveBytes: 1 << 30,
    traceIdlePeriodMs: 5000, maxBlockDurationMs: 60_000, maxBlockBytes: 1 << 30, flushCheckPeriodMs: 3_600_000,
    sink, onFlushed: (_t, b) => flushed.push(b.blockId!), logger: silentLogger(), now: () => now, ...over,
  });
  return { ing, sink, dir, flushed, advance: (ms: number) => (now += ms) };
}

describe('Ingester flush', () => {
  it('seals idle traces, cuts the head block by age, and releases memory and WAL after the block is durable', async () => {
    const { ing, sink, dir, flushed, advance } = await start();
    await ing.push('t', scanExportRequest(req([spanOf(3), spanOf(1), spanOf(2)])));
    await ing.push('t', scanExportRequest(req([spanOf(1), spanOf(4)])));
    expect(ing.memoryBytes).toBeGreaterThan(0);
    advance(6000);
    await ing.flushTick();
    expect(sink.batches).toHaveLength(0); // sealed, but the head block is young
    expect(await ing.live.findTrace('t', id(16, 1))).toHaveLength(2); // still findable while sealed
    advance(60_000);
    await ing.flushTick();
    expect(sink.batches).toHaveLength(1);
    expect(sink.batches[0].traces.map((t) => t.slice(-1))).toEqual(['1', '2', '3', '4']);
    expect(sink.batches[0].spans).toBe(5);
    expect(flushed).toEqual(['b1']);
    expect(await ing.live.findTrace('t', id(16, 1))).toEqual([]);
    expect(ing.memoryBytes).toBe(0);
    await ing.stop();
    // Every record was released: nothing is left to replay.
    const left = readdirSync(join(dir, 't'));
    expect(left).toHaveLength(0);
  });

  it('flushes a large head block in steps, letting the event loop run between them, and still releases everything', async () => {
    const { ing, sink, dir, advance } = await start();
    // 6,000 traces: three steps of each pass over the block.
    for (let r = 0; r < 6; r++) await ing.push('t', scanExportRequest(req(Array.from({ length: 1000 }, (_, i) => spanOf(10_000 + r * 1000 + i)))));
    advance(70_000);
    await ing.flushTick(); // seals
    advance(70_000);
    // Turns of the event loop once the block is written: forgetting and releasing its traces
    // has no I/O to wait for, so only its steps give the loop a turn.
    const write = sink.write.bind(sink);
    let written = false;
    sink.write = async (b) => {
      const r = await write(b);
      written = true;
      return r;
    };
    const turns = countTurns(() => written);
    await ing.flushTick();
    turns.stop();
    expect(sink.batches).toHaveLength(1);
    expect(sink.batches[0].spans).toBe(6000);
    expect(turns.count).toBeGreaterThanOrEqual(4);
    expect(ing.memoryBytes).toBe(0);
    expect([...ing.tenantStores()].reduce((n, t) => n + t.traceCount, 0)).toBe(0);
    await ing.stop();
    expect(readdirSync(join(dir, 't'))).toHaveLength(0);
  });

  it('seals a large live set in steps, letting the event loop run between them', async () => {
    const { ing, sink, advance } = await start();
    for (let r = 0; r < 6; r++) await ing.push('t', scanExportRequest(req(Array.from({ length: 1000 }, (_, i) => spanOf(20_000 + r * 1000 + i)))));
    advance(6000);
    const turns = countTurns(() => true);
    await ing.flushTick();
    turns.stop();
    const [store] = [...ing.tenantStores()];
    expect(store.head).toHaveLength(6000);
    expect(store.live.size).toBe(0);
    expect(sink.batches).toHaveLength(0); // sealed, not yet due
    expect(turns.count).toBeGreaterThanOrEqual(2); // 6,000 traces: three steps
    await ing.stop();
  });

  it('cuts by size and merges generations of one trace into one entry', async () => {
    const { ing, sink, advance } = await start({ maxBlockBytes: 1 });
    await ing.push('t', scanExportRequest(req([spanOf(7)])));
    advance(6000);
    ing.flushTick(); // seals generation 1 and starts its flush
    await ing.push('t', scanExportRequest(req([spanOf(7)])));
    await ing.flushAll();
    const all = sink.batches.flatMap((b) => b.traces);
    expect(sink.batches.reduce((a, b) => a + b.spans, 0)).toBe(2);
    expect(all.every((t) => t.endsWith('7'))).toBe(true);
    await ing.stop();
  });

  it('writes a head block that grew past max-block-bytes as several blocks of about that size, oldest traces first', async () => {
    // One request per trace, so each trace's bytes are known from its own push.
    const probe = await start();
    await probe.ing.push('t', scanExportRequest(req([spanOf(1), spanOf(1)])));
    const perTrace = [...probe.ing.tenantStores()][0].live.values().next().value!.bytes;
    await probe.ing.stop();

    const { ing, sink, dir, advance } = await start({ maxBlockBytes: 3 * perTrace });
    // Ten traces, sealed in this order (one tick apart), into one head of 10 x perTrace.
    for (let i = 0; i < 10; i++) {
      await ing.push('t', scanExportRequest(req([spanOf(100 + i), spanOf(100 + i)])));
      advance(10);
    }
    advance(6000);
    await ing.flushTick(); // seals all ten: the head is due by size
    // Three blocks of the size; the last trace is a head below it, not yet due.
    expect(sink.batches.map((b) => b.traces.length)).toEqual([3, 3, 3]);
    expect(ing.memoryBytes).toBeGreaterThan(0);
    advance(60_000); // written once the head it was cut from is max-block-duration old
    await ing.flushTick();
    expect(sink.batches.map((b) => b.traces.length)).toEqual([3, 3, 3, 1]);
    expect(sink.batches.flatMap((b) => b.traces.map((t) => Number.parseInt(t, 16)))).toEqual(Array.from({ length: 10 }, (_, i) => 100 + i));
    expect(ing.memoryBytes).toBe(0);
    await ing.stop();
    expect(readdirSync(join(dir, 't'))).toHaveLength(0);
  });

  it('stops writing the cuts of a large head at the first failure, keeping the rest in order for the retry', async () => {
    const { ing, sink, advance } = await start({ maxBlockBytes: 1, flushRetry: { baseMs: 1000, maxMs: 1000 } });
    for (let i = 0; i < 4; i++) await ing.push('t', scanExportRequest(req([spanOf(200 + i)])));
    advance(6000);
    const write = sink.write.bind(sink);
    let calls = 0;
    sink.write = async (b) => {
      if (++calls === 2) throw new Error('store down');
      return write(b);
    };
    await ing.flushTick();
    expect(calls).toBe(2); // the first cut written, the second failed, the rest not tried
    expect(sink.batches).toHaveLength(1);
    expect(ing.flushStats.failures).toBe(1);
    advance(2000);
    await ing.flushTick();
    expect(sink.batches.map((b) => b.traces.length)).toEqual([1, 1, 1, 1]);
    expect(sink.batches.flatMap((b) => b.traces.map((t) => Number.parseInt(t, 16))).sort()).toEqual([200, 201, 202, 203]);
    expect(ing.memoryBytes).toBe(0);
    await ing.stop();
  });

  it('keeps traces in memory and the WAL when a flush fails, and retries after a backoff that grows', async () => {
    const { ing, sink, dir, advance } = await start({ flushRetry: { baseMs: 1000, maxMs: 3000 } });
    await ing.push('t', scanExportRequest(req([spanOf(9)])));
    sink.fail = true;
    advance(70_000);
    await ing.flushTick(); // seals
    advance(70_000);
    await ing.flushTick(); // the head block is due: fails
    await ing.flushTick(); // within the backoff: not tried
    advance(500);
    await ing.flushTick();
    expect(ing.flushStats.failures).toBe(1);
    advance(1000); // past 1 s ± 25%: tried, fails, and now waits 2 s ± 25%
    await ing.flushTick();
    expect(ing.flushStats.failures).toBe(2);
    advance(1400);
    await ing.flushTick();
    expect(ing.flushStats.failures).toBe(2);
    for (let i = 0; i < 5; i++) {
      advance(3750); // the ceiling of 3 s ± 25%
      await ing.flushTick();
    }
    expect(ing.flushStats.failures).toBe(7);
    expect(await ing.live.findTrace('t', id(16, 9))).toHaveLength(1);
    expect(readdirSync(join(dir, 't')).length).toBeGreaterThan(0);
    sink.fail = false;
    await ing.flushTick(); // still backing off
    expect(sink.batches).toHaveLength(0);
    advance(3750);
    await ing.flushTick();
    expect(sink.batches).toHaveLength(1);
    await ing.stop();
    expect(readdirSync(join(dir, 't'))).toHaveLength(0);
  });

  it('waits 1 s, 2 s, 4 s ... up to a minute between failed flushes, within 25%', () => {
    expect([1, 2, 3, 7, 8, 50].map((f) => flushRetryDelay(f, undefined, () => 0.5))).toEqual([1000, 2000, 4000, 60_000, 60_000, 60_000]);
    expect(flushRetryDelay(1, undefined, () => 0)).toBe(750);
    expect(flushRetryDelay(1, undefined, () => 0.999999)).toBe(1250);
  });

  it('cuts the head at once, splitting live traces, when unflushed data passes half of --ingester.max-live-bytes', async () => {
    const small = await start();
    await small.ing.push('t', scanExportRequest(req([spanOf(1), spanOf(2)])));
    await small.ing.flushTick();
    expect(small.sink.batches).toHaveLength(0); // neither idle nor due
    await small.ing.stop();
    const pressures: string[] = [];
    const { ing, sink } = await start({ maxLiveBytes: 1500, onPressureFlush: (t) => pressures.push(t) });
    await ing.push('t', scanExportRequest(req([spanOf(1), spanOf(2)])));
    expect(ing.memoryBytes).toBeLessThan(750);
    await ing.flushTick();
    expect(sink.batches).toHaveLength(0);
    await ing.push('t', scanExportRequest(req(Array.from({ length: 12 }, () => spanOf(3)))));
    expect(ing.memoryBytes).toBeGreaterThanOrEqual(750);
    await ing.flushTick();
    expect(sink.batches.map((b) => b.spans)).toEqual([14]);
    expect(pressures).toEqual(['t']);
    expect(ing.memoryBytes).toBe(0);
    await ing.stop();
  });

  it('refuses pushes with 429 while the process is over --memory.budget, and writes its blocks early near it', async () => {
    let rss = 100;
    const pressures: string[] = [];
    const { ing, sink, advance } = await start({ maxLiveBytes: 4000, memoryBudget: { bytes: 1000, rss: () => rss }, onPressureFlush: (t) => pressures.push(t) });
    await ing.push('t', scanExportRequest(req(Array.from({ length: 8 }, () => spanOf(1)))));
    expect(ing.memoryBytes).toBeGreaterThanOrEqual(500); // an eighth of the live limit: worth a block
    // Near the budget: the head is written now, though no trace is idle and no block is due.
    rss = 950;
    advance(200);
    await ing.flushTick();
    expect(sink.batches).toHaveLength(1);
    expect(pressures).toEqual(['t']);
    // Over it: refused, with a hint, until memory is back under the budget.
    rss = 1200;
    advance(200);
    const err = await ing.push('t', scanExportRequest(req([spanOf(2)]))).catch((e: unknown) => e);
    expect(err).toMatchObject({ statusCode: 429, code: 'ING_ERR_MEMORY_BUDGET_EXCEEDED', retryAfterSeconds: 2 });
    expect((err as Error).message).toMatch(/over --memory.budget=\S+; blocks are being written/);
    rss = 500;
    advance(200);
    await expect(ing.push('t', scanExportRequest(req([spanOf(2)])))).resolves.toEqual({ accepted: 1 });
    // Little live data: no early block, whatever the memory (tiny blocks would give nothing back).
    rss = 990;
    advance(200);
    await ing.flushTick();
    expect(sink.batches).toHaveLength(1);
    await ing.stop();
  });

  it('answers 429 past --ingester.max-live-bytes', async () => {
    const { ing } = await start({ maxLiveBytes: 200 });
    await ing.push('t', scanExportRequest(req([spanOf(1)])));
    await expect(ing.push('t', scanExportRequest(req(Array.from({ length: 5 }, () => spanOf(2)))))).rejects.toMatchObject({ statusCode: 429 });
    await ing.stop();
  });
});
