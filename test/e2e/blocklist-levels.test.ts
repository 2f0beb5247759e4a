// The block list's gauges by compaction level, as an operator watches the compactor keep up: what
// ingesters flushed shows at level 0 until a merge takes it to level 1, and the per-level counts
// and bytes add up to the blocks the process knows.
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { batch, send } from '../src/acked.ts';
import { spawnSpanbase, tempDir } from '../src/harness.ts';
import { metric, waitFor } from '../src/store-faults.ts';

const FLAGS = ['--ingester.trace-idle-period=100ms', '--ingester.max-block-duration=300ms', '--ingester.flush-check-period=50ms', '--storage.blocklist-poll=500ms', '--compaction.cycle=1s'];

/** Sizes of data.parquet of the live blocks, by level, read from the local store. */
function sizesOnDisk(root: string): Map<string, number> {
  const out = new Map<string, number>();
  const dir = join(root, 'single-tenant');
  for (const block of readdirSync(dir)) {
    try {
      const meta = JSON.parse(readFileSync(join(dir, block, 'meta.json'), 'utf8')) as { compactionLevel: number; size: number };
      if (readdirSync(join(dir, block)).includes('meta.compacted.json')) continue;
      out.set(String(meta.compactionLevel), (out.get(String(meta.compactionLevel)) ?? 0) + meta.size);
    } catch {
      // a compacted block (meta.json gone) or one being written
    }
  }
  return out;
}

describe('block list gauges by compaction level', () => {
  it('show flushed blocks at level 0 until the compactor merges them', async () => {
    const dir = tempDir('sb-levels-');
    // No merges at first: the level-0 backlog grows with each flush.
    const first = await spawnSpanbase(dir, [...FLAGS, '--compaction.min-input-blocks=100000', '--compaction.max-input-blocks=100000']);
    try {
      for (let i = 1; i <= 2; i++) {
        expect(await send(first, batch(new Map(), 20).body)).toBe(200);
        await waitFor(`block ${i} at level 0`, async () => (await metric(first.api, 'spanbase_blocklist_level_blocks', 'level="0"')) === i, 30_000);
      }
      expect(await metric(first.api, 'spanbase_blocklist_level_blocks', 'level="1"')).toBe(0);
      expect(await metric(first.api, 'spanbase_blocklist_level_bytes', 'level="0"')).toBe(sizesOnDisk(join(dir, 'blocks')).get('0'));
    } finally {
      first.proc.kill('SIGTERM');
      await first.exited;
    }
    // With merges on, the backlog empties into level 1.
    const sb = await spawnSpanbase(dir, FLAGS);
    try {
      await waitFor('the merge', async () => (await metric(sb.api, 'spanbase_blocklist_level_blocks', 'level="1"')) === 1 && (await metric(sb.api, 'spanbase_blocklist_level_blocks', 'level="0"')) === 0, 60_000);
      expect(await metric(sb.api, 'spanbase_blocklist_blocks')).toBe(1);
      expect(await metric(sb.api, 'spanbase_blocklist_level_bytes', 'level="1"')).toBe(sizesOnDisk(join(dir, 'blocks')).get('1'));
    } finally {
      sb.proc.kill('SIGTERM');
      await sb.exited;
    }
  }, 120_000);
});
