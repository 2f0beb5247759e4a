// `npm start` as a new user and a process supervisor run it: stopping npm stops Spanbase. npm
// forwards SIGTERM and SIGINT to the script's process, which must be Spanbase itself (the script
// execs it) and not a shell that dies and leaves Spanbase running with its ports. Ctrl-C reaches
// the whole process group, so Spanbase gets SIGINT twice at once (from the terminal and from
// npm) and must still shut down cleanly. The startup log says where the data goes.
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { tempDir } from '../src/harness.ts';
import { FREE_PORTS, gone, killRun, npmRun } from '../src/npm-run.ts';

describe('npm start', () => {
  it('stops Spanbase when npm gets SIGTERM, and logs where the data is', { timeout: 90_000 }, async () => {
    const dir = tempDir('sb-npm-start-');
    const s = await npmRun('start', [`--data-dir=${dir}`, ...FREE_PORTS]);
    try {
      expect(s.started.pid).not.toBe(s.npm.pid);
      expect(s.started.wal).toBe(join(dir, 'wal'));
      expect(s.started.blocks).toBe(join(dir, 'blocks'));
      expect((await fetch(`${s.api}/api/echo`)).status).toBe(200);
      s.npm.kill('SIGTERM');
      await s.exited;
      expect(await gone(s.started.pid), `Spanbase (pid ${s.started.pid}) outlived npm:\n${s.output()}`).toBe(true);
      expect(s.output()).toContain('"msg":"stopped"');
      await expect(fetch(`${s.api}/api/echo`)).rejects.toThrow();
    } finally {
      killRun(s);
    }
  });

  it('shuts down cleanly on Ctrl-C (SIGINT to the process group, forwarded once more by npm)', { timeout: 90_000 }, async () => {
    const s = await npmRun('start', [`--data-dir=${tempDir('sb-npm-start-')}`, ...FREE_PORTS]);
    try {
      process.kill(-s.npm.pid!, 'SIGINT');
      await s.exited;
      expect(await gone(s.started.pid)).toBe(true);
      expect(s.output()).toContain('"msg":"stopped"');
      expect(s.output()).not.toContain('second signal');
    } finally {
      killRun(s);
    }
  });
});
