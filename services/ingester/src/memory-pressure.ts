// When the ingester should write blocks early and refuse pushes, from the data it holds and the
// process's resident memory. Writing a block is what gives memory back (a flushed trace leaves
// memory), so under pressure the head is cut at once instead of at --ingester.max-block-duration;
// past the whole process's budget pushes get 429 before the process grows any further.

/** --memory.budget as the ingester uses it. */
export interface MemoryBudget {
  /** The process's budget, bytes. */
  bytes: number;
  /** Resident memory of the process now (default: process.memoryUsage.rss). */
  rss?: () => number;
}

/** Live data past this share of --ingester.max-live-bytes is pressure on its own. */
export const LIVE_PRESSURE_SHARE = 0.5;
/** Resident memory past this share of the budget is pressure, when there is live data to release... */
export const RSS_PRESSURE_SHARE = 0.9;
/** ...at least this share of --ingester.max-live-bytes: tiny blocks every tick would give little back. */
const RSS_PRESSURE_MIN_LIVE_SHARE = 0.125;
/** Resident memory is read at most this often (a push must not pay for a /proc read). */
const RSS_EVERY_MS = 100;

/** Pressure decisions; one per ingester. */
export class MemoryPressure {
  private readonly budget: MemoryBudget | undefined;
  private readonly maxLiveBytes: number;
  private readonly now: () => number;
  private rssAt = -Infinity;
  private rssBytes = 0;

  constructor(budget: MemoryBudget | undefined, maxLiveBytes: number, now: () => number) {
    this.budget = budget && budget.bytes > 0 ? budget : undefined;
    this.maxLiveBytes = maxLiveBytes;
    this.now = now;
  }

  /** Resident memory, sampled. */
  rss(): number {
    const t = this.now();
    if (t - this.rssAt >= RSS_EVERY_MS) {
      this.rssBytes = (this.budget?.rss ?? process.memoryUsage.rss)();
      this.rssAt = t;
    }
    return this.rssBytes;
  }

  /** The budget, when the process is over it (pushes are refused); undefined otherwise. */
  overBudget(): number | undefined {
    return this.budget && this.rss() > this.budget.bytes ? this.budget.bytes : undefined;
  }

  /** Whether head blocks should be cut now rather than when they are due. */
  pressured(liveBytes: number): boolean {
    if (liveBytes >= this.maxLiveBytes * LIVE_PRESSURE_SHARE) return true;
    return this.budget !== undefined && liveBytes >= this.maxLiveBytes * RSS_PRESSURE_MIN_LIVE_SHARE && this.rss() >= this.budget.bytes * RSS_PRESSURE_SHARE;
  }
}
