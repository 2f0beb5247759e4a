import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseArgs } from './load.ts';
import { compactionConcurrency } from './concurrency.ts';
import { BUDGET_SHARES } from './memory-budget.ts';

const GiB = 2 ** 30;
const MiB = 2 ** 20;

describe('--memory.budget', () => {
  it('leaves every memory setting at its default when it is 0', () => {
    const plain = parseArgs([]).config;
    const off = parseArgs(['--memory.budget=0']).config;
    for (const name of Object.keys(BUDGET_SHARES)) expect(off[name as keyof typeof off], name).toBe(plain[name as keyof typeof plain]);
  });

  it('sizes the settings not given on their own, in whole MiB, within the budget', () => {
    const { config } = parseArgs(['--memory.budget=4GiB', '--query.workers=3']);
    expect(config['ingester.max-live-bytes']).toBe(Math.floor((4 * GiB * 0.3) / MiB) * MiB);
    expect(config['query.chunk-cache-bytes']).toBe(Math.floor((4 * GiB * 0.1) / MiB) * MiB);
    // Three block workers and the live-query worker share a quarter.
    expect(config['query.worker-memory']).toBe(Math.floor((4 * GiB * 0.25) / 4 / MiB) * MiB);
    const workers = 4 * config['query.worker-memory'];
    const sum = config['ingester.max-live-bytes'] + config['query.chunk-cache-bytes'] + config['query.metadata-cache-bytes'] + config['storage.cache-bytes'] + config['compaction.max-memory-bytes'] + workers;
    expect(sum).toBeLessThanOrEqual(0.85 * 4 * GiB);
  });

  it('splits the compaction share between the jobs that may run at once', () => {
    const { config } = parseArgs(['--memory.budget=3GiB', '--compaction.concurrency=3']);
    expect(config['compaction.max-memory-bytes']).toBe(Math.floor((3 * GiB * 0.1) / 3 / MiB) * MiB);
    // Left at 0, the concurrency comes from the machine, and so does the split.
    const auto = parseArgs(['--memory.budget=3GiB']).config;
    expect(auto['compaction.max-memory-bytes']).toBe(Math.floor((3 * GiB * 0.1) / compactionConcurrency(auto) / MiB) * MiB);
  });

  it('never overrides a setting given by flag or config file', () => {
    const dir = mkdtempSync(join(tmpdir(), 'sb-budget-'));
    const file = join(dir, 'c.yaml');
    writeFileSync(file, 'query:\n  chunk-cache-bytes: 64MiB\n');
    const { config } = parseArgs([`--config.file=${file}`, '--memory.budget=2GiB', '--ingester.max-live-bytes=100MiB']);
    expect(config['ingester.max-live-bytes']).toBe(100 * MiB);
    expect(config['query.chunk-cache-bytes']).toBe(64 * MiB);
    expect(config['storage.cache-bytes']).toBe(Math.floor((2 * GiB * 0.05) / MiB) * MiB);
  });

  it('refuses a budget too small to run in', () => {
    expect(() => parseArgs(['--memory.budget=100MiB'])).toThrow(/--memory.budget=100MiB is too small: at least 512MiB/);
  });
});
