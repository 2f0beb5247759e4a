// Running an npm script of the repository as a user does (`npm start`, `npm run start:s3`), in its
// own process group as a terminal's foreground job, and reading Spanbase's startup log from it.
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { REPO_ROOT } from './harness.ts';

/** The fields of Spanbase's "Spanbase started" log line. */
export interface StartedLine {
  pid: number;
  apiPort: number;
  wal?: string;
  blocks?: string;
}

/** An npm script running Spanbase. */
export interface NpmRun {
  /** The npm process (leader of its process group). */
  npm: ChildProcess;
  /** The Spanbase process, from its startup log. */
  started: StartedLine;
  /** `http://127.0.0.1:<port>` of the API. */
  api: string;
  /** The OTLP/HTTP URL (`.../v1/traces`). */
  otlpHttp: string;
  /** Everything printed so far. */
  output(): string;
  /** Resolves with npm's exit code. */
  exited: Promise<number | null>;
}

/** True while a process exists. */
export function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** Waits until `pid` is gone; false when it is still there after `ms`. */
export async function gone(pid: number, ms = 15_000): Promise<boolean> {
  for (const end = Date.now() + ms; Date.now() < end; ) {
    if (!alive(pid)) return true;
    await new Promise((r) => setTimeout(r, 50));
  }
  return !alive(pid);
}

/** Flags that let the OS pick every port. */
export const FREE_PORTS = ['--server.http-listen-port=0', '--otlp.http-listen-port=0', '--otlp.grpc-listen-port=0', '--zipkin.listen-port=0', '--jaeger.listen-port=0'];

/** Runs `npm run <script> -- <args>` and waits for Spanbase to start and answer /ready. */
export async function npmRun(script: string, args: string[]): Promise<NpmRun> {
  const npm = spawn('npm', ['run', '--silent', script, '--', ...args], { cwd: REPO_ROOT, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  npm.stdout!.on('data', (d) => (out += d));
  npm.stderr!.on('data', (d) => (out += d));
  const exited = new Promise<number | null>((r) => npm.on('exit', (code) => r(code)));
  const lineOf = (msg: string) => out.split('\n').find((l) => l.includes(`"msg":"${msg}"`));
  const deadline = Date.now() + 60_000;
  for (;;) {
    const startedLine = lineOf('Spanbase started');
    const otlpLine = lineOf('OTLP receivers listening');
    if (startedLine && otlpLine) {
      const started = JSON.parse(startedLine) as StartedLine;
      const api = `http://127.0.0.1:${started.apiPort}`;
      if ((await fetch(`${api}/ready`).catch(() => undefined))?.ok) {
        const otlpHttp = `http://127.0.0.1:${(JSON.parse(otlpLine) as { http: number }).http}/v1/traces`;
        return { npm, started, api, otlpHttp, output: () => out, exited };
      }
    }
    if (npm.exitCode !== null || Date.now() > deadline) {
      if (npm.exitCode === null) process.kill(-npm.pid!, 'SIGKILL');
      throw new Error(`npm run ${script} did not start Spanbase:\n${out}`);
    }
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** Makes sure nothing of a run is left (after a test that may have failed half-way). */
export function killRun(run: NpmRun): void {
  if (alive(run.started.pid)) process.kill(run.started.pid, 'SIGKILL');
  if (run.npm.exitCode === null) process.kill(-run.npm.pid!, 'SIGKILL');
}
