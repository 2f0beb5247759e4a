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
import type { RunningSpanbase, StartHooks } from 'spanbase';

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
  /** `http://127.0.0.1:<port>` of the Zipkin receiver (POST /api/v2/spans). */
  zipkin: string;
  /** `http://127.0.0.1:<port>` of Zipkin's query API (the same port in one process). */
  zipkinQuery: string;
  /** `http://127.0.0.1:<port>` of the Jaeger query API. */
  jaeger: string;
  /** The data directory. */
  dataDir: string;
  /** The config it runs with. */
  cfg: Config;
  /** The running instance. */
  running: RunningSpanbase;
  /** The text of /metrics (of every process serving the data, for a cluster). */
  metricsText(): Promise<string>;
  /** Stops it. */
  stop(): Promise<void>;
}

/** Starts Spanbase in this process on free loopback ports. */
export async function startTestSpanbase(overrides: Partial<Config> = {}, hooks: StartHooks = {}): Promise<TestSpanbase> {
  const dataDir = overrides['wal.path'] ? resolve(overrides['wal.path'], '..') : tempDir();
  const cfg = defaultConfig({
    'server.http-listen-port': 0,
    'otlp.http-listen-port': 0,
    'otlp.grpc-listen-port': 0,
    'zipkin.listen-port': 0,
    'jaeger.listen-port': 0,
    'internal.listen-port': 0,
    'wal.path': join(dataDir, 'wal'),
    'storage.local.path': join(dataDir, 'blocks'),
    ...overrides,
  });
  const running = await startSpanbase(cfg, silentLogger(), hooks);
  return {
    api: `http://127.0.0.1:${running.apiPort}`,
    otlpHttp: `http://127.0.0.1:${running.otlpHttpPort}/v1/traces`,
    otlpGrpc: `http://127.0.0.1:${running.otlpGrpcPort}`,
    zipkin: `http://127.0.0.1:${running.zipkinPort}`,
    zipkinQuery: `http://127.0.0.1:${running.zipkinPort}`,
    jaeger: `http://127.0.0.1:${running.jaegerPort}`,
    dataDir,
    cfg,
    running,
    metricsText: async () => (await fetch(`http://127.0.0.1:${running.apiPort}/metrics`)).text(),
    stop: () => running.stop(),
  };
}

/** A free TCP port on a loopback address (for child processes, which need fixed ports). */
export function freePort(host = '127.0.0.1', port = 0): Promise<number> {
  return new Promise((res, rej) => {
    const srv = createServer();
    srv.listen(port, host, () => {
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
  /** `http://127.0.0.1:<port>` of the OTLP/gRPC receiver. */
  otlpGrpc: string;
  /** `127.0.0.1:<port>` of the internal API (split targets only; empty otherwise). */
  internal: string;
  /** `http://127.0.0.1:<port>` of the Zipkin port (empty when the target has none). */
  zipkin: string;
  proc: ChildProcess;
  /** Everything it printed (JSON log lines). */
  output(): string;
  /** Resolves with the exit code. */
  exited: Promise<number | null>;
}

/**
 * Spawns `spanbase` with the given flags and waits until it is ready. Ports are picked by the
 * process itself (port 0) and read from its startup log, so parallel test files never race for a
 * port.
 */
export async function spawnSpanbase(dataDir: string, flags: string[] = [], env: Record<string, string> = {}): Promise<ChildSpanbase> {
  const args = [
    join(REPO_ROOT, 'services/spanbase/bin/spanbase.js'),
    '--server.http-listen-port=0',
    '--otlp.http-listen-port=0',
    '--otlp.grpc-listen-port=0',
    '--zipkin.listen-port=0',
    '--jaeger.listen-port=0',
    '--internal.listen-port=0',
    `--wal.path=${join(dataDir, 'wal')}`,
    `--storage.local.path=${join(dataDir, 'blocks')}`,
    ...flags,
  ];
  const proc = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, ...env } });
  let out = '';
  let apiPort = 0;
  let httpPort = 0;
  let grpcPort = 0;
  let internalPort = 0;
  let zipkinPort = 0;
  let stdout = '';
  let parsed = 0;
  proc.stdout?.on('data', (d) => {
    out += d;
    stdout += d;
    // Read each complete log line once; the ports are in two startup lines.
    for (let nl = stdout.indexOf('\n', parsed); nl >= 0; nl = stdout.indexOf('\n', parsed)) {
      const line = stdout.slice(parsed, nl);
      parsed = nl + 1;
      if (!line.startsWith('{')) continue;
      const rec = JSON.parse(line) as { msg?: string; apiPort?: number; internalPort?: number; zipkinPort?: number; http?: number; grpc?: number };
      if (rec.msg === 'Spanbase started' && rec.apiPort) apiPort = rec.apiPort;
      if (rec.msg === 'Spanbase started' && rec.internalPort) internalPort = rec.internalPort;
      if (rec.msg === 'Spanbase started' && rec.zipkinPort) zipkinPort = rec.zipkinPort;
      if (rec.msg === 'OTLP receivers listening' && rec.http) httpPort = rec.http;
      if (rec.msg === 'OTLP receivers listening' && rec.grpc) grpcPort = rec.grpc;
    }
  });
  proc.stderr?.on('data', (d) => (out += d));
  const exited = new Promise<number | null>((r) => proc.on('exit', (code) => r(code)));
  const deadline = Date.now() + 60_000;
  for (;;) {
    if (proc.exitCode !== null) throw new Error(`spanbase exited with ${proc.exitCode}:\n${out}`);
    if (apiPort > 0) {
      try {
        const r = await fetch(`http://127.0.0.1:${apiPort}/ready`);
        if (r.ok) break;
      } catch {
        // not answering yet
      }
    }
    if (Date.now() > deadline) {
      proc.kill('SIGKILL');
      throw new Error(`spanbase did not become ready:\n${out}`);
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  return { api: `http://127.0.0.1:${apiPort}`, otlpHttp: `http://127.0.0.1:${httpPort}/v1/traces`, otlpGrpc: `http://127.0.0.1:${grpcPort}`, internal: internalPort ? `127.0.0.1:${internalPort}` : '', zipkin: zipkinPort ? `http://127.0.0.1:${zipkinPort}` : '', proc, output: () => out, exited };
}
