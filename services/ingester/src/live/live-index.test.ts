// The live index answers from what the ingester told it: spans come with `add`, leave with `drop`,
// and a `reset` (a fresh worker) rebuilds the same answers. A query pinned to one trace id looks
// that trace up and answers what a scan of every trace answers.
import { describe, expect, it } from 'vitest';
import { TagsBuilder } from '@spanbase/block';
import { conformanceTraces } from '@spanbase/block/testing';
import { bytesToHex, groupSpanRecords } from '@spanbase/model';
import type { SpanRecord } from '@spanbase/model';
import { encodeTracesData, scanExportRequest, shareScan } from '@spanbase/otlp';
import { MessageChannel } from 'node:worker_threads';
import { evaluateMetrics, executeSearch, MemoryColumnFetcher, MemoryFetcher, parseOrThrow, partialData, planMetrics } from '@spanbase/traceql';
import type { MetricsPartialData } from '@spanbase/traceql';
import { Chunk } from '../chunk.ts';
import { finish } from '../stepwise.ts';
import { TenantStore } from '../tenant-store.ts';
import { LiveIndex } from './live-index.ts';
import { liveTenantState } from './live-state.ts';
import type { LiveMetricsData } from './live-protocol.ts';

const OPTS = { limit: 20, spansPerSpanset: 3, start: 0n, end: 0n };

/** A tenant store and a live index fed the same requests, as the ingester feeds its worker. */
function fed(requests: SpanRecord[][], opts: ConstructorParameters<typeof LiveIndex>[0] = {}) {
  const store = new TenantStore('t');
  const index = new LiveIndex(opts);
  for (const recs of requests) {
    const scan = shareScan(scanExportRequest(encodeTracesData(groupSpanRecords(recs))));
    const gens = new Float64Array(scan.spanCount);
    store.add(new Chunk(scan, undefined, 0), 0, gens);
    index.apply({ kind: 'add', tenant: 't', scan, gens });
  }
  return { store, index };
}

const ids = (r: { traces: readonly { traceId: string }[] }) => r.traces.map((t) => t.traceId).sort();

describe('LiveIndex', () => {
  const traces = conformanceTraces().slice(0, 12);
  // Each trace's spans arrive over two requests.
  const requests = [traces.flatMap((t) => t.slice(0, 1)), traces.flatMap((t) => t.slice(1))].filter((r) => r.length > 0);

  it('answers searches as a scan of the same traces does', async () => {
    const { index } = fed(requests);
    for (const q of ['{}', '{ kind = server }', '{ status = error } | count() > 0', '{ span.http.route != nil }']) {
      const want = await executeSearch(parseOrThrow(q), new MemoryFetcher(traces), { ...OPTS, mostRecent: true });
      expect(ids(await index.search('t', parseOrThrow(q), OPTS)), q).toEqual(ids(want));
    }
    expect(index.spanCount('t')).toBe(traces.reduce((n, t) => n + t.length, 0));
  });

  it('decodes span attributes only for queries that read them', async () => {
    const { index } = fed(requests);
    const undecoded = () => [...index.liveTraces('t')].flatMap((t) => t.records).filter((r) => (r.span as unknown as { parts?: unknown }).parts === undefined).length;
    await index.search('t', parseOrThrow('{ kind = server }'), OPTS);
    const spans = index.spanCount('t');
    expect(undecoded()).toBe(spans);
    const q = '{ span.http.route != nil }';
    const want = await executeSearch(parseOrThrow(q), new MemoryFetcher(traces), { ...OPTS, mostRecent: true });
    expect(await index.search('t', parseOrThrow(q), OPTS)).toEqual(want);
    expect(undecoded()).toBeLessThan(spans);
  });

  it('looks a pinned trace id up directly, with the answer a scan gives', async () => {
    const { index } = fed(requests);
    const id = bytesToHex(traces[2][0].span.traceId);
    for (const q of [`{ trace:id = "${id}" }`, `{ trace:id = "${id}" && kind = server }`, '{ trace:id = "0123" }', '{ trace:id = "nope" }']) {
      const want = await executeSearch(parseOrThrow(q), new MemoryFetcher(traces), { ...OPTS, mostRecent: true });
      expect(await index.search('t', parseOrThrow(q), OPTS), q).toEqual(want);
    }
    expect(index.findTrace('t', traces[2][0].span.traceId)).toHaveLength(traces[2].length);
  });

  it('forgets dropped generations, and a reset rebuilds the same state', async () => {
    const { store, index } = fed(requests);
    store.sealIdle(0, 0, true);
    // Drop the generations of the first three traces (as a flush of them would).
    const gone = [...store.generations()].filter((g) => traces.slice(0, 3).some((t) => bytesToHex(t[0].span.traceId) === bytesToHex(g[0].traceId)));
    expect(gone).toHaveLength(3);
    index.apply({ kind: 'drop', tenant: 't', gens: Float64Array.from(gone.flat(), (g) => g.genId) });
    for (const g of gone) finish(store.forgetSteps({ traces: g, bytes: 0, startedMs: 0 }));
    for (const t of traces.slice(0, 3)) expect(index.findTrace('t', t[0].span.traceId)).toEqual([]);
    const before = await index.search('t', parseOrThrow('{}'), OPTS);
    expect(before.traces).toHaveLength(traces.length - 3);

    const fresh = new LiveIndex();
    fresh.apply({ kind: 'reset', tenants: [liveTenantState('t', store.generations())] });
    expect(await fresh.search('t', parseOrThrow('{}'), OPTS)).toEqual(before);
    expect(fresh.spanCount('t')).toBe(index.spanCount('t'));
  });

  it('leaves written traces out of a fresh worker\'s state while they are being forgotten', async () => {
    const { store, index } = fed(requests);
    store.sealIdle(0, 0, true);
    const batch = store.cutHead()!;
    const written = batch.traces.slice(0, 3);
    // As a flush does once the block is listed, before forgetSteps has reached them.
    for (const t of written) t.state = 'flushed';
    index.apply({ kind: 'drop', tenant: 't', gens: Float64Array.from(written, (g) => g.genId) });
    const fresh = new LiveIndex();
    fresh.apply({ kind: 'reset', tenants: [liveTenantState('t', store.generations())] });
    expect(fresh.spanCount('t')).toBe(index.spanCount('t'));
    expect(await fresh.search('t', parseOrThrow('{}'), OPTS)).toEqual(await index.search('t', parseOrThrow('{}'), OPTS));
  });

  it('posts a metrics partial as data to the port it is given, and closes the port, with or without a part', async () => {
    const { index } = fed(requests);
    const query = '{} | count_over_time() by (resource.service.name)';
    const starts = traces.flat().map((r) => r.span.startTimeUnixNano);
    const start = starts.reduce((a, b) => (a < b ? a : b));
    const request = { start: start - (start % 60_000_000_000n), end: start + 3_600_000_000_000n, step: 60_000_000_000n, maxSeries: 1000 };
    const want = partialData(await index.metrics('t', query, request));
    const spans = traces.reduce((n, t) => n + t.length, 0);
    expect(want.states[0].spans).toBe(spans);
    const returned = (await index.run({ op: 'metrics-data', tenant: 't', query, request }, new AbortController().signal)) as LiveMetricsData;
    expect(returned.data).toEqual(want);

    const { port1, port2 } = new MessageChannel();
    const arrived = new Promise<unknown[]>((resolve) => {
      const got: unknown[] = [];
      port1.on('message', (m: { part: MetricsPartialData }) => got.push(m.part));
      port1.once('close', () => resolve(got));
    });
    const sent = (await index.run({ op: 'metrics-data', tenant: 't', query, request, port: port2 }, new AbortController().signal)) as LiveMetricsData;
    expect(sent).toEqual({ sentSpans: spans });
    expect(await arrived).toEqual([want]);

    // A job that fails closes its port without a part, so the merging side stops waiting.
    const other = new MessageChannel();
    const closed = new Promise<number>((resolve) => {
      let parts = 0;
      other.port1.on('message', () => parts++);
      other.port1.once('close', () => resolve(parts));
    });
    const ac = new AbortController();
    ac.abort(new Error('cancelled'));
    await expect(index.run({ op: 'metrics-data', tenant: 't', query, request, port: other.port2 }, ac.signal)).rejects.toThrow();
    expect(await closed).toBe(0);
  });

  it('stops a search when its signal is aborted', async () => {
    const { index } = fed(requests);
    const ac = new AbortController();
    ac.abort(new Error('cancelled'));
    await expect(index.search('t', parseOrThrow('{}'), OPTS, ac.signal)).rejects.toThrow('cancelled');
  });

  it('indexes quiet traces ahead of queries, within the cache, and answers with spans that came after', async () => {
    const [first, second] = requests;
    const { index } = fed([first]);
    const total = (rs: SpanRecord[][]) => rs.reduce((n, r) => n + r.length, 0);
    // Spans that arrived in the current round wait for the next.
    expect(index.warm(Infinity)).toBe(false);
    expect(index.cachedTraceSpans).toBe(0);
    // Past the deadline nothing is decoded, and the call says work is left.
    expect(index.warm(0)).toBe(true);
    expect(index.cachedTraceSpans).toBe(0);
    index.warm(Infinity);
    expect(index.cachedTraceSpans).toBe(first.length);
    // More spans for the same traces: indexed again once quiet, and a search sees them all.
    const scan = shareScan(scanExportRequest(encodeTracesData(groupSpanRecords(second))));
    const gens = new Float64Array(scan.spanCount);
    new TenantStore('t').add(new Chunk(scan, undefined, 0), 0, gens);
    index.apply({ kind: 'add', tenant: 't', scan, gens });
    index.warm(Infinity);
    index.warm(Infinity);
    expect(index.cachedTraceSpans).toBe(total(requests));
    const want = await executeSearch(parseOrThrow('{}'), new MemoryFetcher(traces), { ...OPTS, spansPerSpanset: 100, mostRecent: true });
    expect(await index.search('t', parseOrThrow('{}'), { ...OPTS, spansPerSpanset: 100 })).toEqual(want);
    // A cache with room for a few spans takes no more.
    const small = new LiveIndex({ heapBytes: 4 * 2500 * 20 });
    for (const e of [first, second]) {
      const sc = shareScan(scanExportRequest(encodeTracesData(groupSpanRecords(e))));
      const gg = new Float64Array(sc.spanCount);
      new TenantStore('t').add(new Chunk(sc, undefined, 0), 0, gg);
      small.apply({ kind: 'add', tenant: 't', scan: sc, gens: gg });
    }
    small.warm(Infinity);
    small.warm(Infinity);
    expect(small.cachedTraceSpans).toBeGreaterThan(0);
    expect(small.cachedTraceSpans).toBeLessThanOrEqual(20);
  });

  describe('searches newest first and rules traces out by their bytes', () => {
    const all = conformanceTraces();
    // Each trace's first span in one request, the rest in another: two generations, two chunks.
    const split = [all.flatMap((t) => t.slice(0, 1)), all.flatMap((t) => t.slice(1))];
    const strings = (kvs: readonly { key: string; value: { type: string; value?: unknown } }[]) =>
      kvs.filter((kv) => kv.key !== '' && kv.value.type === 'string').map((kv) => [kv.key, kv.value.value as string] as const);
    const quote = (v: string) => JSON.stringify(v);
    const dur = (r: SpanRecord) => r.span.endTimeUnixNano - r.span.startTimeUnixNano;
    const start = (t: readonly SpanRecord[]) => t.reduce((m, r) => (r.span.startTimeUnixNano < m ? r.span.startTimeUnixNano : m), t[0].span.startTimeUnixNano);

    /** Queries built from values the traces hold, and from ones they do not. */
    function needleQueries(seed: number): string[] {
      let x = seed;
      const pick = <T,>(xs: readonly T[]): T => xs[(x = (x * 1103515245 + 12345) % 2 ** 31) % xs.length];
      const recs = all.flat();
      const out: string[] = [];
      for (let i = 0; i < 40; i++) {
        const r = pick(recs);
        const spanKv = strings(r.span.attributes);
        const resKv = strings(r.resource.attributes);
        const [sk, sv] = spanKv.length > 0 ? pick(spanKv) : ['missing.key', 'nothing'];
        const [rk, rv] = resKv.length > 0 ? pick(resKv) : ['service.name', 'nothing'];
        const other = pick(recs);
        out.push(
          `{ name = ${quote(r.span.name)} }`,
          `{ span.${quote(sk)} = ${quote(sv)} }`,
          `{ .${quote(sk)} = ${quote(sv)} && resource.${quote(rk)} = ${quote(rv)} }`,
          `{ resource.${quote(rk)} = ${quote(rv)} && name = ${quote(other.span.name)} }`,
          `{ name = ${quote(r.span.name)} || span.${quote(sk)} = ${quote(sv + '-not-held')} }`,
          `{ name = ${quote(r.span.name)} } && { name = ${quote(other.span.name)} }`,
          `{ span.${quote(sk)} = ${quote(sv.slice(0, Math.max(1, sv.length >> 1)))} }`,
          `{ duration > ${dur(r) - 1n}ns }`,
          `{ duration >= ${dur(r)}ns && name = ${quote(r.span.name)} }`,
          `{ duration = ${dur(r)}ns || name = ${quote(other.span.name)} }`,
          `{ duration < ${dur(other)}ns && status = error }`,
          `{ duration <= ${dur(other)}ns }`,
          // A status message, inside the span's Status message.
          `{ statusMessage = ${quote(pick(recs.filter((x) => x.span.status.message !== '')).span.status.message)} }`,
        );
      }
      return out;
    }

    it('answers every needle query as a scan of all traces does (pruned against unpruned)', async () => {
      const { index } = fed(split);
      const wide = { ...OPTS, limit: 1000 };
      let matched = 0;
      for (const q of needleQueries(7)) {
        const want = await executeSearch(parseOrThrow(q), new MemoryFetcher(all), { ...wide, mostRecent: true });
        const got = await index.search('t', parseOrThrow(q), wide);
        expect(ids(got), q).toEqual(ids(want));
        if (want.traces.length > 0) matched++;
      }
      // Most generated queries find something: the comparison is not between empty answers.
      expect(matched).toBeGreaterThan(300);
    });

    it('counts metrics over needle filters as a scan of all traces does, each pipeline keeping what it needs', async () => {
      const { index } = fed(split);
      const starts = all.flat().map((r) => r.span.startTimeUnixNano);
      const start = starts.reduce((a, b) => (a < b ? a : b));
      const request = { start: start - (start % 60_000_000_000n), end: start + 3_600_000_000_000n, step: 60_000_000_000n, maxSeries: 1000 };
      let counted = 0;
      const filters = needleQueries(11).filter((q) => !q.includes('} && {'));
      for (let i = 0; i < filters.length; i++) {
        const other = filters[(i * 7 + 3) % filters.length];
        for (const q of [`${filters[i]} | count_over_time() by (name)`, `${filters[i]} | rate()`, `(${filters[i]} | rate()) / (${other} | rate())`]) {
          // Exemplars are a sample and series come in the order spans do: the counts are the answer.
          const counts = (p: MetricsPartialData) =>
            p.states.map((st) => (st.kind === 'leaf' ? { ...st, exemplars: [], series: [...st.series].sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0)) } : st));
          const want = partialData(await evaluateMetrics(planMetrics(q, request), new MemoryColumnFetcher(all)));
          const got = partialData(await index.metrics('t', q, request));
          expect(counts(got), q).toEqual(counts(want));
          if (want.states.some((st) => st.spans > 0)) counted++;
        }
      }
      expect(counted).toBeGreaterThan(300);
    });

    it('gives the newest `limit` matches, as a scan that looks at every trace does', async () => {
      const { index } = fed(split);
      for (const q of ['{}', '{ kind = server }', '{ status = error }', '{ span.http.route != nil }', '{ duration > 1ms }']) {
        for (const limit of [1, 3, 7]) {
          const want = await executeSearch(parseOrThrow(q), new MemoryFetcher(all), { ...OPTS, limit, mostRecent: true });
          const got = await index.search('t', parseOrThrow(q), { ...OPTS, limit });
          expect(got.traces.map((t) => t.startTimeUnixNano), `${q} limit ${limit}`).toEqual(want.traces.map((t) => t.startTimeUnixNano));
        }
      }
    });

    it('summarises tags from the newest traces, up to its span budget', () => {
      const newest = [...all].sort((a, b) => (start(b) > start(a) ? 1 : start(b) < start(a) ? -1 : 0));
      for (const budget of [1, 40, 1e9]) {
        const want = new TagsBuilder();
        let spans = 0;
        for (const t of newest) {
          want.addTrace(t);
          if ((spans += t.length) >= budget) break;
        }
        const { index } = fed(split, { tagSpans: budget });
        expect(index.tagsSummary('t'), `budget ${budget}`).toEqual(want.summary());
      }
    });

    it('reuses a tags summary for two seconds only while it covers the tenant: a small live set is summarised again once it changes', () => {
      const services = (s: ReturnType<LiveIndex['tagsSummary']>) => s.scopes.resource.find((k) => k.name === 'service.name')?.values.map((v) => v.value).sort();
      const late = all.find((t) => t[0].resource.attributes.some((a) => a.key === 'service.name'))!;
      // A trace of its own (a fresh id: spans of a trace already held would be duplicates) from a new service.
      const renamed = late.map((r) => ({ ...r, span: { ...r.span, traceId: new Uint8Array(16).fill(0xee) }, resource: { ...r.resource, attributes: [{ key: 'service.name', value: { type: 'string' as const, value: 'sent-just-now' } }] } }));
      const add = (index: LiveIndex) => {
        const scan = shareScan(scanExportRequest(encodeTracesData(groupSpanRecords(renamed))));
        index.apply({ kind: 'add', tenant: 't', scan, gens: new Float64Array(scan.spanCount).fill(1e9) });
      };
      let now = 0;
      // All of the live set fits the budget: a new service shows at once, within the two seconds.
      const whole = fed(split, { now: () => now, tagSpans: 1e9 }).index;
      expect(services(whole.tagsSummary('t'))).not.toContain('sent-just-now');
      add(whole);
      now += 10;
      expect(services(whole.tagsSummary('t'))).toContain('sent-just-now');
      // A summary that stopped at its budget is reused for the two seconds (heavy ingest changes the set all the time).
      const budgeted = fed(split, { now: () => now, tagSpans: 1 }).index;
      const before = budgeted.tagsSummary('t');
      add(budgeted);
      now += 10;
      expect(budgeted.tagsSummary('t')).toBe(before);
      now += 2000;
      expect(budgeted.tagsSummary('t')).not.toBe(before);
    });

    it('decodes only the traces it needs: the newest for a common condition, none for a value no request holds', async () => {
      const { index } = fed(split);
      await index.search('t', parseOrThrow('{ name = "held-by-no-span" }'), OPTS);
      expect(index.cachedTraceSpans).toBe(0);
      const r = await index.search('t', parseOrThrow('{}'), { ...OPTS, limit: 1 });
      const newest = all.find((t) => bytesToHex(t[0].span.traceId).replace(/^0+/, '') === r.traces[0].traceId)!;
      expect(index.cachedTraceSpans).toBe(newest.length);
    });
  });
});

