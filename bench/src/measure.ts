// Timing loops for CPU-bound work measured in this process, on this one thread.

/** Result of a throughput measurement. */
export interface Throughput {
  /** Units (spans, queries, ...) per second of wall time. */
  perSecond: number;
  /**
   * Units per CPU second of this process (user + system): on a shared machine, time this
   * thread spent descheduled does not count against it.
   */
  perCpuSecond: number;
  /** Units processed while timed. */
  units: number;
  /** Timed milliseconds. */
  ms: number;
}

/**
 * Calls `fn(i)` over `count` items round-robin for about `seconds` after a warm-up of a quarter of
 * that, and returns units per second; `units(i)` is what item i is worth (e.g. its span count).
 * `onProgress` gets the seconds spent so far, warm-up included (1.25 x `seconds` in all).
 */
export function measureThroughput(count: number, fn: (i: number) => unknown, units: (i: number) => number, seconds: number, onProgress?: (seconds: number) => void): Throughput {
  const started = performance.now();
  let sink = 0;
  const loop = (ms: number): Throughput => {
    const t0 = performance.now();
    const cpu0 = process.cpuUsage();
    let done = 0;
    let now = t0;
    let i = 0;
    while (now - t0 < ms) {
      sink += fn(i) === undefined ? 0 : 1;
      done += units(i);
      i = (i + 1) % count;
      now = performance.now();
      // The loop is synchronous; progress drawn from inside it (stderr writes to a terminal are synchronous too).
      onProgress?.((now - started) / 1000);
    }
    const cpu = process.cpuUsage(cpu0);
    return { perSecond: (done * 1000) / (now - t0), perCpuSecond: (done * 1e6) / Math.max(1, cpu.user + cpu.system), units: done, ms: now - t0 };
  };
  loop(seconds * 250);
  const r = loop(seconds * 1000);
  // Keeps the results observable so the calls are not optimised away.
  if (sink < 0) console.log(sink);
  return r;
}

/** How often {@link timeRepeated} runs something. */
export interface RepeatOptions {
  /** Untimed runs first (default 1). */
  warmup?: number;
  /** Ends the untimed runs early once they took this long, ms (the first one always runs). */
  warmupMs?: number;
  /** Timed runs at least, whatever the budget (default 3). */
  minRuns?: number;
  /** Timed runs at most. */
  maxRuns: number;
  /** Stop starting runs once this much time went into the timed ones, ms. */
  budgetMs: number;
  /** Called after each timed run. */
  onRun?: () => void;
  /** Called with the result of each untimed warm-up run. */
  onWarmup?: (result: number) => void;
}

/**
 * Runs `run` (which measures itself and returns milliseconds, e.g. a timed HTTP request) after a
 * warm-up, until `maxRuns` or the time budget is spent, but at least `minRuns` times.
 */
export async function timeRepeated(run: () => Promise<number>, opts: RepeatOptions): Promise<number[]> {
  const w0 = performance.now();
  for (let i = 0; i < (opts.warmup ?? 1); i++) {
    if (i > 0 && performance.now() - w0 >= (opts.warmupMs ?? Infinity)) break;
    opts.onWarmup?.(await run());
  }
  const samples: number[] = [];
  const t0 = performance.now();
  while (samples.length < opts.maxRuns && (samples.length < (opts.minRuns ?? 3) || performance.now() - t0 < opts.budgetMs)) {
    samples.push(await run());
    opts.onRun?.();
  }
  return samples;
}
