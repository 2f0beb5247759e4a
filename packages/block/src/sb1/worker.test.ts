import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import { LocalStore } from '@spanbase/backend';
import { describe, expect, it } from 'vitest';
import type { BlockMeta } from '../meta.ts';
import { parseBlockMeta } from '../meta.ts';
import { openBlock } from '../registry.ts';
import { canonicalTrace } from '../testing/compare.ts';
import { conformanceTraces } from '../testing/conformance-traces.ts';

describe('sb1 writer in a worker thread', () => {
  it('writes a block the main thread reads back', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'sb1-worker-'));
    try {
      const worker = new Worker(new URL('../testing/worker-writer.ts', import.meta.url), { workerData: { path: dir, traces: 30 } });
      const meta = await new Promise<BlockMeta>((resolve, reject) => {
        worker.once('message', resolve);
        worker.once('error', reject);
      });
      await worker.terminate();
      const reader = openBlock(new LocalStore({ path: dir }), parseBlockMeta(meta));
      for (const t of conformanceTraces({ traces: 30 })) expect(canonicalTrace((await reader.findTrace(t[0].span.traceId))!)).toEqual(canonicalTrace(t));
      expect((await reader.verify()).ok).toBe(true);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
