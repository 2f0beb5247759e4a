// CPU time of a process by kind of thread (Linux /proc/<pid>/task): the event loop that
// acknowledges ingest, the ingester's block writer, the other worker threads (live queries), V8's helper threads
// (concurrent and parallel garbage collection, compilation) and libuv's pool (file writes,
// fsync, zlib). A whole-process CPU figure hides which of them an ingest change moved.
import { readdirSync, readFileSync } from 'node:fs';
import { BLOCK_WRITER_THREAD } from '@spanbase/ingester';

/** Kinds of thread. */
export type ThreadKind = 'main' | 'block writer' | 'workers' | 'v8 helpers' | 'libuv pool' | 'other';

const CLOCK_TICKS = 100;

/** The kind of a thread from its name (`comm`); the main thread's id is the process id. */
export function threadKind(name: string, isMain: boolean): ThreadKind {
  if (isMain) return 'main';
  if (name === BLOCK_WRITER_THREAD) return 'block writer';
  if (name === 'WorkerThread') return 'workers';
  if (name.startsWith('V8')) return 'v8 helpers';
  if (name.startsWith('libuv-worker')) return 'libuv pool';
  return 'other';
}

/** CPU seconds (user + system) used so far by each kind of thread of `pid`; empty where /proc is missing. */
export function threadCpuSeconds(pid: number): Map<ThreadKind, number> {
  const out = new Map<ThreadKind, number>();
  let tids: string[];
  try {
    tids = readdirSync(`/proc/${pid}/task`);
  } catch {
    return out;
  }
  for (const tid of tids) {
    let stat: string;
    try {
      stat = readFileSync(`/proc/${pid}/task/${tid}/stat`, 'utf8');
    } catch {
      continue; // the thread ended
    }
    const name = stat.slice(stat.indexOf('(') + 1, stat.lastIndexOf(')'));
    const rest = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const kind = threadKind(name, tid === String(pid));
    out.set(kind, (out.get(kind) ?? 0) + (Number(rest[11]) + Number(rest[12])) / CLOCK_TICKS);
  }
  return out;
}

/**
 * Microseconds of CPU per unit between two readings, by kind, largest first, as a note:
 * `main 3.1, workers 4.0, ...`. A thread that ended between the readings is not counted.
 */
export function cpuPerUnitNote(before: Map<ThreadKind, number>, after: Map<ThreadKind, number>, units: number): string | undefined {
  if (after.size === 0 || units <= 0) return undefined;
  const rows = [...after].map(([k, v]) => [k, ((v - (before.get(k) ?? 0)) * 1e6) / units] as const).filter(([, us]) => us >= 0.005);
  rows.sort((a, b) => b[1] - a[1]);
  return rows.map(([k, us]) => `${k} ${us.toFixed(2)}`).join(', ');
}
