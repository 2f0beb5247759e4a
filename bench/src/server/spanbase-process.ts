// The real spanbase binary as a child process on free loopback ports, as the crash tests run it
// (test/src/harness.ts), plus what a benchmark needs: CPU time and peak RSS read from /proc, an
// RSS timeline, and optionally a V8 CPU profile (--cpu-prof) written when it stops.
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join, resolve } from 'node:path';
import { profileThread } from './cpu-profile.ts';

/** Repository root (bench/src/server → ../../..). */
export const REPO_ROOT = resolve(import.meta.dirname, '..', '..', '..');

/** How to start the child. */
export interface SpawnOptions {
  /** Data directory (the WAL goes to `<dataDir>/wal`). */
  dataDir: string;
  /** Extra spanbase flags (storage, limits, ...). */
  flags?: string[];
  /** When set, run with --cpu-prof and write the profile into this directory. */
  cpuProfileDir?: string;
  /** Sample RSS at this interval for the timeline (default 250 ms; 0 disables). */
  rssSampleMs?: number;
  /** Extra node options for the child (e.g. `--trace-gc` while investigating). */
  nodeArgs?: string[];
  /** Pin the child (every thread) to these CPUs (`taskset -c`), where taskset exists. */
  cpus?: string;
}

/** Where `taskset` is, or undefined on a system without it. */
export const TASKSET = ['/usr/bin/taskset', '/bin/taskset'].find((p) => existsSync(p));

/** A running child. */
export interface SpanbaseProcess {
  /** HTTP API base URL. */
  api: string;
  /** OTLP/HTTP endpoint URL (`.../v1/traces`). */
  otlpHttp: string;
  /** OTLP/gRPC address (`127.0.0.1:<port>`). */
  otlpGrpc: string;
  /** Internal API address (`127.0.0.1:<port>`; only roles apart from `all` listen there). */
  internal: string;
  /** The process id. */
  pid: number;
  /** CPU seconds (user + system) used so far. */
  cpuSeconds(): number;
  /** Peak resident set size so far, bytes (VmHWM). */
  peakRssBytes(): number;
  /** RSS samples: (seconds since start, bytes). */
  rssTimeline(): [number, number][];
  /** Everything it printed. */
  output(): string;
  /** How it ended if it already has (`exit code N` or the signal), else undefined. */
  ended(): string | undefined;
  /**
   * Stops it with SIGTERM (SIGKILL after `graceMs`, default 60 s: a clean exit is what writes the
   * CPU profiles); resolves with the exit code (null when killed), how long it took, and the
   * profile paths: one per thread that ran JavaScript, the main thread first.
   */
  stop(graceMs?: number): Promise<{ exitCode: number | null; stopMs: number; cpuProfiles: string[] }>;
}

/** A free TCP port on loopback. */
export function freePort(): Promise<number> {
  return new Promise((res, rej) => {
    const srv = createServer();
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      const port = typeof addr === 'object' && addr ? addr.port : 0;
      srv.close(() => res(port));
    });
    srv.on('error', rej);
  });
}

const CLOCK_TICKS = 100;

/** Reads utime + stime of a process, seconds (Linux /proc; 0 elsewhere). */
export function procCpuSeconds(pid: number): number {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Fields after the parenthesised command name; utime and stime are the 14th and 15th.
    const rest = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(rest[11]) + Number(rest[12])) / CLOCK_TICKS;
  } catch {
    return 0;
  }
}

/** Reads a `kB` field of /proc/<pid>/status (VmRSS, VmHWM), bytes; 0 when unavailable. */
export function procStatusBytes(pid: number, field: 'VmRSS' | 'VmHWM'): number {
  try {
    const m = new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) * 1024 : 0;
  } catch {
    return 0;
  }
}

/** Spawns `spanbase` (ports chosen here) and waits until /ready answers. */
export async function spawnSpanbase(opts: SpawnOptions): Promise<SpanbaseProcess> {
  const [apiPort, httpPort, grpcPort, internalPort] = [await freePort(), await freePort(), await freePort(), await freePort()];
  const execArgv = [...(opts.nodeArgs ?? []), ...(opts.cpuProfileDir ? ['--cpu-prof', `--cpu-prof-dir=${opts.cpuProfileDir}`] : [])];
  const args = [
    ...execArgv,
    join(REPO_ROOT, 'services/spanbase/bin/spanbase.js'),
    `--server.http-listen-port=${apiPort}`,
    `--otlp.http-listen-port=${httpPort}`,
    `--otlp.grpc-listen-port=${grpcPort}`,
    `--internal.listen-port=${internalPort}`,
    '--zipkin.listen-port=0',
    '--jaeger.listen-port=0',
    `--wal.path=${join(opts.dataDir, 'wal')}`,
    '--log.level=warn',
    ...(opts.flags ?? []),
  ];
  // taskset execs node, so the pid is node's.
  const pinned = opts.cpus !== undefined && TASKSET !== undefined;
  const proc: ChildProcess = pinned ? spawn(TASKSET!, ['-c', opts.cpus!, process.execPath, ...args], { stdio: ['ignore', 'pipe', 'pipe'] }) : spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  const keep = (d: Buffer): void => {
    out += d;
    if (out.length > 200_000) out = out.slice(-100_000);
  };
  proc.stdout?.on('data', keep);
  proc.stderr?.on('data', keep);
  const exited = new Promise<number | null>((r) => proc.on('exit', (code) => r(code)));
  const api = `http://127.0.0.1:${apiPort}`;
  const deadline = Date.now() + 30_000;
  for (;;) {
    if (proc.exitCode !== null) throw new Error(`spanbase exited with ${proc.exitCode}:\n${out}`);
    try {
      if ((await fetch(`${api}/ready`)).ok) break;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) {
      proc.kill('SIGKILL');
      throw new Error(`spanbase did not become ready:\n${out}`);
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  const pid = proc.pid!;
  const t0 = performance.now();
  const rss: [number, number][] = [];
  const sampleMs = opts.rssSampleMs ?? 250;
  const sampler = sampleMs > 0 ? setInterval(() => rss.push([(performance.now() - t0) / 1000, procStatusBytes(pid, 'VmRSS')]), sampleMs) : undefined;
  let peak = 0;
  const peakNow = (): number => (peak = Math.max(peak, procStatusBytes(pid, 'VmHWM')));
  return {
    api,
    otlpHttp: `http://127.0.0.1:${httpPort}/v1/traces`,
    otlpGrpc: `127.0.0.1:${grpcPort}`,
    internal: `127.0.0.1:${internalPort}`,
    pid,
    cpuSeconds: () => procCpuSeconds(pid),
    peakRssBytes: peakNow,
    rssTimeline: () => rss,
    output: () => out,
    ended: () => (proc.exitCode !== null ? `exit code ${proc.exitCode}` : proc.signalCode ?? undefined),
    async stop(graceMs = 60_000) {
      if (sampler) clearInterval(sampler);
      peakNow();
      const t = performance.now();
      if (proc.exitCode === null) proc.kill('SIGTERM');
      const timer = setTimeout(() => proc.kill('SIGKILL'), graceMs);
      const exitCode = await exited;
      const stopMs = performance.now() - t;
      clearTimeout(timer);
      const dir = opts.cpuProfileDir;
      // Node names them CPU.<date>.<time>.<pid>.<thread id>.<seq>.cpuprofile; thread 0 is the main thread.
      const profiles = dir ? readdirSync(dir).filter((f) => f.endsWith('.cpuprofile')).sort((a, b) => profileThread(a) - profileThread(b)) : [];
      return { exitCode, stopMs, cpuProfiles: profiles.map((f) => join(dir!, f)) };
    },
  };
}

/**
 * Waits until the child has settled after start (module loading, the first block-list poll, the
 * compactor's first cycle): until it used under 5% of a core over 250 ms, or `maxMs` passed.
 * Resolves with the time waited, ms.
 */
export async function waitUntilIdle(proc: Pick<SpanbaseProcess, 'cpuSeconds'>, maxMs = 15_000): Promise<number> {
  const t0 = performance.now();
  let last = proc.cpuSeconds();
  while (performance.now() - t0 < maxMs) {
    await new Promise((r) => setTimeout(r, 250));
    const now = proc.cpuSeconds();
    if (now - last < 0.0125) break;
    last = now;
  }
  return performance.now() - t0;
}
