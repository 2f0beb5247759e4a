// Breaking and healing the object store of a running Spanbase for the S3 fault tests: a fault plan
// file that every store of the process (worker threads too) and its children read again when it
// changes (see faults.ts in @spanbase/backend), and the metrics the tests read to see what it did.
import { renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { FAULTS_ENV } from '@spanbase/backend';
import type { FaultRule, ObjectStore } from '@spanbase/backend';
import { Compactor, CountingMetrics, Overrides, limitsFromConfig } from '@spanbase/compactor';
import type { Config } from '@spanbase/config';
import { defaultConfig } from '@spanbase/config';
import { expect, onTestFinished } from 'vitest';
import { s3TestConfig } from '../setup/s3.ts';
import { storageFlags } from './block-damage.ts';
import { tempDir } from './harness.ts';

/** A fault plan file, and how to point a process at it. */
export class FaultSwitch {
  /** The plan file. */
  readonly file = join(tempDir('sb-s3-faults-'), 'faults.json');

  /** Applies `rules` from now on (a rename, so no reader sees half a file). */
  set(rules: FaultRule[]): void {
    writeFileSync(`${this.file}.tmp`, JSON.stringify({ rules }));
    renameSync(`${this.file}.tmp`, this.file);
  }

  /** No faults from now on. */
  heal(): void {
    rmSync(this.file, { force: true });
  }

  /** The environment that turns the plan on for a process and its worker threads. */
  env(): Record<string, string> {
    return { [FAULTS_ENV]: this.file };
  }
}

/** Config keys of a fresh S3 prefix on the test server. */
export function s3Storage(): Partial<Config> {
  return storageFlags({ backend: 's3', s3: s3TestConfig() });
}

/** Config keys as command-line flags. */
export function asFlags(cfg: Partial<Config>): string[] {
  return Object.entries(cfg).map(([k, v]) => `--${k}=${String(v)}`);
}

/** The sum of a metric's series whose labels contain `labels` (e.g. `op="put"`). */
export async function metric(api: string, name: string, ...labels: string[]): Promise<number> {
  const text = await (await fetch(`${api}/metrics`)).text();
  let sum = 0;
  for (const m of text.matchAll(new RegExp(`^${name}(\\{[^}]*\\})? ([0-9.e+-]+)$`, 'gm'))) {
    if (labels.every((l) => (m[1] ?? '').includes(l))) sum += Number(m[2]);
  }
  return sum;
}

/** Spans counted by one `count_over_time()` sample over the last hour (copies counted as stored). */
export async function countedSpans(api: string): Promise<number> {
  const end = Math.ceil(Date.now() / 1000) + 60;
  const r = await fetch(`${api}/api/metrics/query_range?q=${encodeURIComponent('{} | count_over_time()')}&start=${end - 3600}&end=${end}&step=3600s`);
  expect(r.status).toBe(200);
  const body = (await r.json()) as { series?: { samples?: { value?: number }[] }[] };
  return (body.series ?? []).flatMap((s) => s.samples ?? []).reduce((n, s) => n + (s.value ?? 0), 0);
}

/** Polls `check` every 100 ms until it holds; fails with `what` after `timeoutMs`. */
export async function waitFor(what: string, check: () => Promise<boolean>, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/**
 * A compactor over `store` as the fault tests run it: in this thread, hour windows, two to four
 * blocks a merge (`minInputBlocks` more to merge nothing), quick leases; stopped after the test.
 */
export function testCompactor(store: ObjectStore, o: { minInputBlocks?: number; now?: () => number } = {}): Compactor {
  const c = new Compactor({
    store,
    overrides: new Overrides(limitsFromConfig(defaultConfig())),
    planner: { windowMs: 3_600_000, minInputBlocks: o.minInputBlocks ?? 2, maxInputBlocks: Math.max(4, o.minInputBlocks ?? 0), maxBlockBytes: 1e9, maxMemoryBytes: 512 * 1024 * 1024, compactedBlockRetentionMs: 3_600_000, partialBlockGraceMs: 3_600_000, windowSettleMs: 3_600_000 },
    cycleMs: 1000,
    now: o.now,
    leases: { settleMs: 5, ttlMs: 5 * 60_000 },
    metrics: new CountingMetrics(),
  });
  onTestFinished(() => c.stop());
  return c;
}
