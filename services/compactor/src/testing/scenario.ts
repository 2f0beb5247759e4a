// Shared set-up of the compactor's integration tests: overlapping level-0 blocks whose traces are
// split across blocks, a movable clock, and a compactor with test-sized settings.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ObjectStore } from '@spanbase/backend';
import { LocalStore } from '@spanbase/backend';
import { defaultConfig } from '@spanbase/config';
import type { SpanRecord } from '@spanbase/model';
import type { CompactionMeta } from '../compaction-meta.ts';
import type { CompactorOptions } from '../compactor.ts';
import { Compactor } from '../compactor.ts';
import { Overrides, limitsFromConfig } from '@spanbase/overrides';
import type { PlannerOptions } from '../planner.ts';
import { writeTestBlock } from './store-check.ts';
import { sortTraces, testTrace } from './traces.ts';

/** Minutes and hours in ms. */
export const MIN = 60_000;
export const HOUR = 60 * MIN;
export const DAY = 24 * HOUR;
/** An hour boundary: test data starts here. */
export const T0_MS = Date.UTC(2026, 10, 1, 10, 0, 0);

/** Test-sized planner settings. */
export const TEST_PLANNER: PlannerOptions = {
  windowMs: HOUR,
  minInputBlocks: 2,
  maxInputBlocks: 4,
  maxBlockBytes: 1e9,
  maxMemoryBytes: 512 * 1024 * 1024,
  compactedBlockRetentionMs: HOUR,
  partialBlockGraceMs: HOUR,
  windowSettleMs: HOUR,
};

/** A clock tests move. */
export class TestClock {
  /** Current time, unix ms. */
  t: number;
  constructor(t: number) {
    this.t = t;
  }
  /** The clock as a function. */
  readonly now = (): number => this.t;
}

/** A compactor on `store` with test settings. */
export function testCompactor(store: ObjectStore, clock: TestClock, more: Partial<CompactorOptions> = {}, overrides?: Overrides): Compactor {
  return new Compactor({
    store,
    overrides: overrides ?? new Overrides(limitsFromConfig(defaultConfig())),
    planner: TEST_PLANNER,
    cycleMs: 1000,
    now: clock.now,
    leases: { settleMs: 5, ttlMs: 5 * MIN },
    ...more,
  });
}

/**
 * `traces` traces starting `startMs` (10 ms apart, all in one hour window), spread over `blocks`
 * level-0 blocks so that about half of them are split across two or three blocks.
 */
export function splitTraces(count: number, blocks: number, startMs: number, first = 0): { traces: SpanRecord[][]; parts: SpanRecord[][][] } {
  const traces = sortTraces(Array.from({ length: count }, (_, i) => testTrace(first + i, { startNs: BigInt(startMs + i * 10) * 1_000_000n, spans: 2 + (i % 6), error: i % 5 === 0, slow: i % 7 === 0 })));
  const parts: SpanRecord[][][] = Array.from({ length: blocks }, () => []);
  traces.forEach((t, i) => {
    const home = i % blocks;
    if (i % 2 === 0) {
      parts[home].push(t);
      return;
    }
    // Split: spans go round-robin over `home` and the next block(s).
    const ways = Math.min(blocks, 2 + (i % 3 === 0 ? 1 : 0));
    for (let w = 0; w < ways; w++) {
      const piece = t.filter((_, s) => s % ways === w);
      if (piece.length > 0) parts[(home + w) % blocks].push(piece);
    }
  });
  for (const p of parts) sortTraces(p);
  return { traces, parts };
}

/** Writes the parts as level-0 blocks (created at `now`, the real time by default). */
export async function writeParts(store: ObjectStore, tenant: string, parts: SpanRecord[][][], now?: () => number): Promise<CompactionMeta[]> {
  const out: CompactionMeta[] = [];
  for (const p of parts) if (p.length > 0) out.push(await writeTestBlock(store, tenant, p, 0, now));
  return out;
}

/** Temporary directories of a test file, removed together. */
export class TempDirs {
  private readonly dirs: string[] = [];
  /** A new empty directory. */
  make(): string {
    const d = mkdtempSync(join(tmpdir(), 'sb-compactor-'));
    this.dirs.push(d);
    return d;
  }
  /** A LocalStore in a new directory. */
  store(): LocalStore {
    return new LocalStore({ path: this.make() });
  }
  /** Removes every directory made. */
  removeAll(): void {
    for (const d of this.dirs.splice(0)) rmSync(d, { recursive: true, force: true });
  }
}
