// The process's own health on /metrics: memory (resident, and the V8 heap of this thread), CPU,
// how long the event loop that acknowledges ingest is delayed, and time spent in garbage
// collection. They answer "is this process about to run out of memory, and is the event loop
// keeping up?" without a separate exporter.
import { PerformanceObserver, constants, monitorEventLoopDelay } from 'node:perf_hooks';
import type { MetricsRegistry } from './metrics.ts';

const GC_KINDS: Record<number, string> = {
  [constants.NODE_PERFORMANCE_GC_MINOR]: 'minor',
  [constants.NODE_PERFORMANCE_GC_MAJOR]: 'major',
  [constants.NODE_PERFORMANCE_GC_INCREMENTAL]: 'incremental',
  [constants.NODE_PERFORMANCE_GC_WEAKCB]: 'weakcb',
};

/** Registers the process metrics; returns a function that stops their observers. */
export function registerProcessMetrics(registry: MetricsRegistry): () => void {
  registry.gauge('spanbase_process_resident_memory_bytes', 'Resident memory of the whole process (every thread), bytes.').collect(() => [[{}, process.memoryUsage.rss()]]);
  registry.gauge('spanbase_process_heap_bytes', 'V8 heap of the main thread, bytes: used, and allocated (total).', ['state']).collect(() => {
    const m = process.memoryUsage();
    return [[{ state: 'used' }, m.heapUsed], [{ state: 'total' }, m.heapTotal]];
  });
  registry.gauge('spanbase_process_cpu_seconds', 'CPU time of the process (every thread), seconds, by user and system.', ['mode']).collect(() => {
    const c = process.cpuUsage();
    return [[{ mode: 'user' }, c.user / 1e6], [{ mode: 'system' }, c.system / 1e6]];
  });
  const delay = monitorEventLoopDelay({ resolution: 10 });
  delay.enable();
  // A view of the time since the previous scrape: the histogram starts over after each read.
  registry.gauge('spanbase_process_event_loop_delay_seconds', 'How late the main event loop ran timers since the previous scrape, seconds: p50, p99 and max.', ['quantile']).collect(() => {
    const out: [Record<string, string>, number][] = delay.count === 0 ? [] : [
      [{ quantile: '0.5' }, delay.percentile(50) / 1e9],
      [{ quantile: '0.99' }, delay.percentile(99) / 1e9],
      [{ quantile: 'max' }, delay.max / 1e9],
    ];
    delay.reset();
    return out;
  });
  const gc = registry.counter('spanbase_process_gc_seconds_total', 'Time the main thread spent in garbage collection, seconds, by kind.', ['kind']);
  const observer = new PerformanceObserver((list) => {
    for (const e of list.getEntries()) gc.inc({ kind: GC_KINDS[(e as unknown as { detail?: { kind?: number } }).detail?.kind ?? -1] ?? 'other' }, e.duration / 1000);
  });
  observer.observe({ entryTypes: ['gc'] });
  return () => {
    delay.disable();
    observer.disconnect();
  };
}
