// Fault suite, S3: the tenant manifest (`<tenant>/index.json.zst`, written by the compactor, read
// when a process starts so it need not read every block meta). It only ever saves reads: when the
// store fails to return it, or returns it damaged, cut short or stale, a starting Spanbase lists
// the blocks instead and finds every one; when the compactor cannot write it, the blocks are
// merged all the same and the next cycle writes it; and a damaged block meta is never quarantined
// because the manifest copy that could restore it was out of reach for a moment.
import { zstdCompressSync } from 'node:zlib';
import { FAULTS_ENV, S3Store, withFaults, withRetry } from '@spanbase/backend';
import type { FaultKind, FaultPlan, FaultRule, ObjectStore } from '@spanbase/backend';
import { BlockObjects, listBlocks, markBlockCompacted, openBlock, readTenantIndex, tenantIndexKey, visibleBlocks, writeBlock, writeTenantIndex } from '@spanbase/block';
import type { BlockMeta } from '@spanbase/block';
import { generateRealisticTraces } from '@spanbase/block/testing';
import type { Config } from '@spanbase/config';
import type { SpanRecord } from '@spanbase/model';
import { bytesToHex } from '@spanbase/model';
import { afterAll, describe, expect, it, onTestFinished } from 'vitest';
import { s3TestConfig } from '../setup/s3.ts';
import { storageFlags } from '../src/block-damage.ts';
import { startTestSpanbase } from '../src/harness.ts';
import { FaultSwitch, metric, testCompactor } from '../src/store-faults.ts';

const TENANT = 'single-tenant';
const faults = new FaultSwitch();
process.env[FAULTS_ENV] = faults.file;
afterAll(() => faults.heal());

interface Seeded {
  store: ObjectStore;
  storage: Partial<Config>;
  metas: BlockMeta[];
  traces: SpanRecord[][];
}

/** Four blocks of recent traces on a fresh prefix, the first two marked compacted into nothing. */
async function seeded(): Promise<Seeded> {
  const s3 = s3TestConfig();
  const raw = new S3Store({ ...s3, credentials: s3 });
  onTestFinished(() => raw.close());
  const store = withRetry(raw, { maxAttempts: 3, baseDelayMs: 5 });
  const traces = generateRealisticTraces({ traces: 100, seed: 3, startUnixNano: BigInt(Date.now() - 60_000) * 1_000_000n });
  const metas: BlockMeta[] = [];
  for (let b = 0; b < 4; b++) metas.push(await writeBlock(store, { tenant: TENANT, rowGroupSpans: 100 }, traces.slice(b * 20, (b + 1) * 20)));
  await writeTenantIndex(store, TENANT, await listBlocks(store, TENANT));
  return { store, storage: storageFlags({ backend: 's3', s3 }), metas, traces };
}

/**
 * Starts Spanbase on the store (its compactor idle) and checks it knows exactly the visible blocks
 * and returns every span they hold by trace id, in full (no PARTIAL); `also` runs before it stops.
 */
async function expectStartFindsAll(s: Seeded, also?: (api: string) => Promise<void>): Promise<void> {
  const visible = visibleBlocks((await listBlocks(s.store, TENANT)).live);
  const spans = new Map<string, Set<string>>();
  for (const m of visible) {
    for await (const t of openBlock(s.store, m).iterateTraces()) {
      const id = bytesToHex(t[0].span.traceId);
      spans.set(id, new Set([...(spans.get(id) ?? []), ...t.map((r) => bytesToHex(r.span.spanId))]));
    }
  }
  expect(spans.size).toBeGreaterThan(0);
  const sb = await startTestSpanbase({ ...s.storage, 'query.workers': 1, 'compaction.min-input-blocks': 1000, 'compaction.max-input-blocks': 1000 });
  try {
    expect(await metric(sb.api, 'spanbase_blocklist_blocks')).toBe(visible.length);
    for (const [id, want] of spans) {
      const r = await fetch(`${sb.api}/api/v2/traces/${id}`);
      expect(r.status).toBe(200);
      const body = (await r.json()) as { status?: string; trace: { resourceSpans?: { scopeSpans: { spans: { spanId: string }[] }[] }[] } };
      expect(body.status).toBeUndefined();
      const got = (body.trace.resourceSpans ?? []).flatMap((rs) => rs.scopeSpans.flatMap((ss) => ss.spans.map((x) => Buffer.from(x.spanId, 'base64').toString('hex'))));
      expect(got.sort()).toEqual([...want].sort());
    }
    await also?.(sb.api);
  } finally {
    await sb.stop();
  }
}

describe('the tenant manifest on a failing S3 store', { timeout: 60_000 }, () => {
  const reads: [FaultKind, Partial<FaultRule>][] = [['server-error', { status: 503 }], ['timeout', { delayMs: 20 }], ['reset', {}], ['short-read', {}]];
  for (const [fault, extra] of reads) {
    it(`a start whose manifest read fails (${fault}) lists the blocks instead`, async () => {
      const s = await seeded();
      faults.set([{ fault, ops: ['get'], key: 'index\\.json\\.zst$', ...extra }]);
      await expectStartFindsAll(s, async (api) => expect(await metric(api, 'spanbase_store_requests_total', 'op="get"', 'outcome="error"')).toBeGreaterThan(0));
      faults.heal();
    });
  }

  const damaged: [string, (s: Seeded) => Promise<void>][] = [
    ['not zstd', (s) => s.store.put(tenantIndexKey(TENANT), new TextEncoder().encode('{"live":[]}'))],
    ['cut in half', async (s) => {
      const bytes = (await s.store.get(tenantIndexKey(TENANT)))!;
      await s.store.put(tenantIndexKey(TENANT), bytes.slice(0, bytes.length >> 1));
    }],
    ['empty', (s) => s.store.put(tenantIndexKey(TENANT), new Uint8Array(0))],
    ['JSON of another shape', (s) => s.store.put(tenantIndexKey(TENANT), zstdCompressSync(JSON.stringify({ blocks: [] })))],
    ['stale: blocks compacted and written since', async (s) => {
      await markBlockCompacted(s.store, s.metas[0]);
      s.metas.push(await writeBlock(s.store, { tenant: TENANT, rowGroupSpans: 100 }, s.traces.slice(80)));
    }],
    ['naming a block that is gone', async (s) => {
      const ghost = { ...s.metas[1], blockID: '00000000-0000-4000-8000-000000000001' };
      const list = await listBlocks(s.store, TENANT);
      await writeTenantIndex(s.store, TENANT, { live: [...list.live, ghost], compacted: list.compacted });
    }],
  ];
  for (const [what, damage] of damaged) {
    it(`a start whose manifest is ${what} finds every block`, async () => {
      const s = await seeded();
      await damage(s);
      await expectStartFindsAll(s);
    });
  }

  const writes: [FaultKind, Partial<FaultRule>][] = [['server-error', { status: 500 }], ['timeout', { delayMs: 20 }], ['reset', {}], ['lost-reply', {}]];
  for (const [fault, extra] of writes) {
    it(`the compactor cannot write the manifest (${fault}): blocks merged all the same, manifest written next cycle`, async () => {
      const s = await seeded();
      let plan: FaultPlan = { rules: [{ fault, ops: ['put'], key: 'index\\.json\\.zst$', ...extra }] };
      const faulty = withFaults(s.store, () => plan);
      const c = testCompactor(faulty);
      const report = await c.runCycle();
      expect(report).toMatchObject({ jobs: 1, failures: 1 });
      expect(faulty.injected(fault)).toBeGreaterThan(0);
      // The manifest on the store is the old one (or, its reply lost, the new one): a start lists past it.
      await expectStartFindsAll(s);
      plan = { rules: [] };
      expect(await c.runCycle()).toMatchObject({ failures: 0 });
      const manifest = await readTenantIndex(s.store, TENANT);
      expect(manifest!.live.map((m) => m.blockID)).toEqual((await listBlocks(s.store, TENANT)).live.map((m) => m.blockID));
    });
  }

  it('a damaged block meta waits while the manifest cannot be read, and is put back once it can', async () => {
    const s = await seeded();
    // A compactor that merges nothing writes the manifest of the four blocks.
    expect(await testCompactor(s.store, { minInputBlocks: 100 }).runCycle()).toMatchObject({ failures: 0 });
    const key = `${TENANT}/${s.metas[2].blockID}/${BlockObjects.meta}`;
    const original = await s.store.get(key);
    await s.store.put(key, original!.slice(0, 40));
    let plan: FaultPlan = { rules: [{ fault: 'server-error', ops: ['get'], key: 'index\\.json\\.zst$', status: 503 }] };
    const c = testCompactor(withFaults(s.store, () => plan));
    expect(await c.runCycle()).toMatchObject({ failures: 1, blocksQuarantined: 0, repaired: 0 });
    expect((await listBlocks(s.store, TENANT)).quarantined).toEqual([]);
    plan = { rules: [] };
    expect(await c.runCycle()).toMatchObject({ failures: 0, blocksQuarantined: 0, repaired: 1 });
    expect(await s.store.get(key)).toEqual(original);
  });
});
