// `npm start` as a new user and a process supervisor run it: stopping npm stops Spanbase. npm
// forwards SIGTERM and SIGINT to the script's process, which must be Spanbase itself (the script
// execs it) and not a shell that dies and leaves Spanbase running with its ports. Ctrl-C reaches
// the whole process group, so Spanbase gets SIGINT twice at once (from the terminal and from
// npm) and must still shut down cleanly. The startup log says where the data goes.
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { REPO_ROOT, tempDir } from '../src/harness.ts';

interface NpmStart {
  npm: ChildProcess;
  /** The Spanbase process, from its startup log. */
  started: { pid: number; apiPort: number; wal: string; blocks: string };
  output(): string;
  exited: Promise<number | null>;
}

async function npmStart(dataDir: string): Promise<NpmStart> {
  // Its own process group, as a terminal gives a foreground job.
  const npm = spawn('npm', ['start', '--', `--data-dir=${dataDir}`, '--server.http-listen-port=0', '--otlp.http-listen-port=0', '--otlp.grpc-listen-port=0'], {
    cwd: REPO_ROOT,
    detached: true,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  npm.stdout!.on('data', (d) => (out += d));
  npm.stderr!.on('data', (d) => (out += d));
  const exited = new Promise<number | null>((r) => npm.on('exit', (code) => r(code)));
  const deadline = Date.now() + 60_000;
  for (;;) {
    const line = out.split('\n').find((l) => l.includes('"msg":"Spanbase started"'));
    if (line) return { npm, started: JSON.parse(line), output: () => out, exited };
    if (npm.exitCode !== null || Date.now() > deadline) {
      process.kill(-npm.pid!, 'SIGKILL');
      throw new Error(`npm start did not start Spanbase:\n${out}`);
    }
    await new Promise((r) => setTimeout(r, 50));
  }
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

async function gone(pid: number, ms = 15_000): Promise<boolean> {
  for (const end = Date.now() + ms; Date.now() < end; ) {
    if (!alive(pid)) return true;
    await new Promise((r) => setTimeout(r, 50));
  }
  return !alive(pid);
}

describe('npm start', () => {
  it('stops Spanbase when npm gets SIGTERM, and logs where the data is', { timeout: 90_000 }, async () => {
    const dir = tempDir('sb-npm-start-');
    const s = await npmStart(dir);
    try {
      expect(s.started.pid).not.toBe(s.npm.pid);
      expect(s.started.wal).toBe(join(dir, 'wal'));
      expect(s.started.blocks).toBe(join(dir, 'blocks'));
      expect((await fetch(`http://127.0.0.1:${s.started.apiPort}/api/echo`)).status).toBe(200);
      s.npm.kill('SIGTERM');
      await s.exited;
      expect(await gone(s.started.pid), `Spanbase (pid ${s.started.pid}) outlived npm:\n${s.output()}`).toBe(true);
      expect(s.output()).toContain('"msg":"stopped"');
      await expect(fetch(`http://127.0.0.1:${s.started.apiPort}/api/echo`)).rejects.toThrow();
    } finally {
      if (alive(s.started.pid)) process.kill(s.started.pid, 'SIGKILL');
    }
  });

  it('shuts down cleanly on Ctrl-C (SIGINT to the process group, forwarded once more by npm)', { timeout: 90_000 }, async () => {
    const s = await npmStart(tempDir('sb-npm-start-'));
    try {
      process.kill(-s.npm.pid!, 'SIGINT');
      await s.exited;
      expect(await gone(s.started.pid)).toBe(true);
      expect(s.output()).toContain('"msg":"stopped"');
      expect(s.output()).not.toContain('second signal');
    } finally {
      if (alive(s.started.pid)) process.kill(s.started.pid, 'SIGKILL');
    }
  });
});
