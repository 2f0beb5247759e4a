// Starting Spanbase for end-to-end tests: in-process (fast, ports picked by the OS) or as a child
// process of the real binary (for crash tests). Every instance gets its own temp data directory.
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { createServer } from 'node:net';
import { defaultConfig } from '@spanbase/config';
import type { Config } from '@spanbase/config';
import { silentLogger } from '@spanbase/server';
import { startSpanbase } from 'spanbase';
import type { RunningSpanbase } from 'spanbase';

/** Repository root (test/src → ..). */
export const REPO_ROOT = resolve(import.meta.dirname, '..', '..');

/** A fresh temp directory. */
export function tempDir(prefix = 'sb-test-'): string {
  return mkdtempSync(join(tmpdir(), prefix));
}

/** A running in-process Spanbase with its URLs. */
export interface TestSpanbase {
  /** `http://127.0.0.1:<port>` of the HTTP API. */
  api: string;
  /** `http://127.0.0.1:<port>/v1/traces`. */
  otlpHttp: string;
  /** `http://127.0.0.1:<port>` of the OTLP/gRPC receiver. */
  otlpGrpc: string;
  /** The data directory. */
  dataDir: string;
  /** The config it runs with. */
  cfg: Config;
  /** The running instance. */
  running: RunningSpanbase;
  /** Stops it. */
  stop(): Promise<void>;
}

/** Starts Spanbase in this process on free loopback ports. */
export async function startTestSpanbase(overrides: Partial<Config> = {}): Promise<TestSpanbase> {
  const dataDir = overrides['wal.path'] ? resolve(overrides['wal.path'], '..') : tempDir();
  const cfg = defaultConfig({
    'server.http-listen-port': 0,
    'otlp.http-listen-port': 0,
    'otlp.grpc-listen-port': 0,
    'wal.path': join(dataDir, 'wal'),
    'storage.local.path': join(dataDir, 'blocks'),
    ...overrides,
  });
  const running = await startSpanbase(cfg, silentLogger());
  return {
    api: `http://127.0.0.1:${running.apiPort}`,
    otlpHttp: `http://127.0.0.1:${running.otlpHttpPort}/v1/traces`,
    otlpGrpc: `http://127.0.0.1:${running.otlpGrpcPort}`,
    dataDir,
    cfg,
    running,
    stop: () => running.stop(),
  };
}

/** A free TCP port on loopback (for child processes, which need fixed ports). */
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

/** The real binary as a child process. */
export interface ChildSpanbase {
  api: string;
  otlpHttp: string;
  proc: ChildProcess;
  /** Everything it printed (JSON log lines). */
  output(): string;
  /** Resolves with the exit code. */
  exited: Promise<number | null>;
}

/** Spawns `spanbase` with the given flags (ports are chosen here) and waits until /ready. */
export async function spawnSpanbase(dataDir: string, flags: string[] = []): Promise<ChildSpanbase> {
  const [apiPort, httpPort, grpcPort] = [await freePort(), await freePort(), await freePort()];
  const args = [
    join(REPO_ROOT, 'services/spanbase/bin/spanbase.js'),
    `--server.http-listen-port=${apiPort}`,
    `--otlp.http-listen-port=${httpPort}`,
    `--otlp.grpc-listen-port=${grpcPort}`,
    `--wal.path=${join(dataDir, 'wal')}`,
    `--storage.local.path=${join(dataDir, 'blocks')}`,
    ...flags,
  ];
  const proc = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  proc.stdout?.on('data', (d) => (out += d));
  proc.stderr?.on('data', (d) => (out += d));
  const exited = new Promise<number | null>((r) => proc.on('exit', (code) => r(code)));
  const api = `http://127.0.0.1:${apiPort}`;
  const deadline = Date.now() + 30_000;
  for (;;) {
    if (proc.exitCode !== null) throw new Error(`spanbase exited with ${proc.exitCode}:\n${out}`);
    try {
      const r = await fetch(`${api}/ready`);
      if (r.ok) break;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) {
      proc.kill('SIGKILL');
      throw new Error(`spanbase did not become ready:\n${out}`);
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  return { api, otlpHttp: `http://127.0.0.1:${httpPort}/v1/traces`, proc, output: () => out, exited };
}
