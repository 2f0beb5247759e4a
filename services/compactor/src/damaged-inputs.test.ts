import type { ObjectStore } from '@spanbase/backend';
import { MemoryStore } from '@spanbase/backend';
import { BlockObjects, blockKey, openBlock, writeBlock } from '@spanbase/block';
import type { BlockMeta, Sb1Reader } from '@spanbase/block';
import { generateRealisticTraces } from '@spanbase/block/testing';
import { describe, expect, it } from 'vitest';
import { DamagedInputs } from './damaged-inputs.ts';

async function flip(store: ObjectStore, meta: BlockMeta, object: string, at: number): Promise<void> {
  const key = blockKey(meta.tenantID, meta.blockID, object);
  const bytes = (await store.get(key))!;
  bytes[at] ^= 0x44;
  await store.put(key, bytes);
}

async function drain(it: AsyncIterable<{ length: number }>): Promise<number> {
  let spans = 0;
  for await (const t of it) spans += t.length;
  return spans;
}

describe('DamagedInputs', () => {
  const traces = generateRealisticTraces({ traces: 120, seed: 2 });

  it('gives what a damaged input can give, and records what it lost', async () => {
    const store = new MemoryStore();
    const [healthy, partial, broken] = [await writeBlock(store, { tenant: 't', rowGroupSpans: 300 }, traces), await writeBlock(store, { tenant: 't', rowGroupSpans: 300 }, traces), await writeBlock(store, { tenant: 't' }, traces)];
    const rg = (await (openBlock(store, partial) as Sb1Reader).rowGroups())[1];
    await flip(store, partial, BlockObjects.data, rg.offset + 10);
    await flip(store, broken, BlockObjects.data, 100);
    await flip(store, broken, BlockObjects.index, 60);
    const inputs = new DamagedInputs(store);
    expect(await drain(inputs.traces(healthy))).toBe(healthy.spanCount);
    expect(await drain(inputs.traces(partial))).toBe(partial.spanCount - rg.rows);
    expect(await drain(inputs.traces(broken))).toBe(0);
    expect([healthy, partial, broken].map((m) => inputs.carried(m))).toEqual([true, true, false]);
    const records = inputs.records(new Date(0), 'out');
    expect(records.map((r) => [r.blockID, r.lostRowGroups, r.lostSpans, r.carriedInto])).toEqual([
      [partial.blockID, 1, rg.rows, 'out'],
      [broken.blockID, broken.rowGroups, broken.spanCount, undefined],
    ]);
    expect(records[1].reason).toMatch(/^unreadable: /);
  });

  it('fails on store errors instead of taking them for damage', async () => {
    const store = new MemoryStore();
    const meta = await writeBlock(store, { tenant: 't' }, traces);
    const failing: ObjectStore = Object.assign(Object.create(store) as ObjectStore, { getRange: () => Promise.reject(new Error('connection reset')), get: () => Promise.reject(new Error('connection reset')) });
    await expect(drain(new DamagedInputs(failing).traces(meta))).rejects.toThrow('connection reset');
  });
});
