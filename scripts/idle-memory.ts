// Measures the resident memory of an idle Spanbase process, to size memory limits: starts the
// binary with each of the given worker counts (and any extra flags), waits until it is ready and
// settled, reads VmRSS from /proc (Linux), stops it, and prints one row per run and the cost of
// each query worker (least-squares slope over the runs).
//
//   node scripts/idle-memory.ts [--workers=1,2,4,8] [--settle=5s] [-- <spanbase flags>]
//
// Every run gets a fresh data directory and free ports. docs/operations.md ("Memory") holds the
// numbers this printed, and deploy/ sizes its limits from them.
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

const BIN = resolve(import.meta.dirname, '..', 'services', 'spanbase', 'bin', 'spanbase.js');
const sep = process.argv.indexOf('--');
const own = sep >= 0 ? process.argv.slice(2, sep) : process.argv.slice(2);
const extra = sep >= 0 ? process.argv.slice(sep + 1) : [];
const opt = (name: string, def: string) => own.find((a) => a.startsWith(`--${name}=`))?.slice(name.length + 3) ?? def;
const workers = opt('workers', '1,2,4,8').split(',').map(Number);
const settleMs = Number.parseFloat(opt('settle', '5s')) * 1000;

function rssMiB(pid: number): number {
  const kb = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))![1];
  return Number(kb) / 1024;
}

function threads(pid: number): number {
  return Number(/Threads:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))![1]);
}

async function measure(n: number): Promise<{ workers: number; rss: number; threads: number }> {
  const dir = mkdtempSync(join(tmpdir(), 'sb-idle-memory-'));
  const flags = [`--data-dir=${dir}`, '--server.http-listen-port=0', '--otlp.http-listen-port=0', '--otlp.grpc-listen-port=0', '--zipkin.listen-port=0', '--jaeger.listen-port=0', `--query.workers=${n}`, ...extra];
  const child = spawn(process.execPath, [BIN, ...flags], { stdio: ['ignore', 'pipe', 'inherit'] });
  let out = '';
  child.stdout.on('data', (d) => (out += d));
  try {
    for (const end = Date.now() + 60_000; !/"msg":"Spanbase started"/.test(out); ) {
      if (child.exitCode !== null || Date.now() > end) throw new Error(`spanbase did not start:\n${out}`);
      await new Promise((r) => setTimeout(r, 50));
    }
    await new Promise((r) => setTimeout(r, settleMs));
    return { workers: n, rss: rssMiB(child.pid!), threads: threads(child.pid!) };
  } finally {
    child.kill('SIGTERM');
    await new Promise((r) => child.once('exit', r));
    rmSync(dir, { recursive: true, force: true });
  }
}

const rows = [];
for (const n of workers) {
  const r = await measure(n);
  rows.push(r);
  process.stdout.write(`--query.workers=${r.workers}\tRSS ${r.rss.toFixed(0)} MiB\t${r.threads} threads\n`);
}
if (rows.length > 1) {
  const mx = rows.reduce((s, r) => s + r.workers, 0) / rows.length;
  const my = rows.reduce((s, r) => s + r.rss, 0) / rows.length;
  const slope = rows.reduce((s, r) => s + (r.workers - mx) * (r.rss - my), 0) / rows.reduce((s, r) => s + (r.workers - mx) ** 2, 0);
  process.stdout.write(`per query worker: ${slope.toFixed(1)} MiB; with none: ${(my - slope * mx).toFixed(0)} MiB\n`);
}
