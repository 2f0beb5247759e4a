// The harness's run-scoped services without any server: artefacts shared between scenarios are
// built once and removed with the run, a failed scenario does not stop the others, and a
// scenario can ask for a backend other than --backend.
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runBench } from './run.ts';
import type { Scenario } from './scenario.ts';

describe('runBench', () => {
  const out = mkdtempSync(join(tmpdir(), 'spanbase-bench-run-test-'));
  afterAll(() => rmSync(out, { recursive: true, force: true }));

  it('builds a shared artefact once per run, in a directory removed when the run ends', async () => {
    let builds = 0;
    const dirs: string[] = [];
    const user = (name: string): Scenario => ({
      name, title: name, description: name, inDefaultSuite: true,
      async run(ctx) {
        const dir = await ctx.shared('data', async (d) => {
          builds++;
          writeFileSync(join(d, 'x'), 'x');
          return d;
        });
        expect(existsSync(join(dir, 'x'))).toBe(true);
        dirs.push(dir);
        const local = await ctx.backendOf('local');
        expect(local.kind === 'local' && local.dir.startsWith(ctx.tmpDir)).toBe(true);
        return { rows: [{ metric: 'm', unit: 'u', spanbase: 1 }] };
      },
    });
    const failing: Scenario = { name: 'failing', title: 'f', description: 'f', inDefaultSuite: true, run: async (ctx) => ctx.shared('other', async () => Promise.reject(new Error('boom'))) };
    const { report } = await runBench({ registry: [user('a'), failing, user('b')], scale: 0.01, outDir: out, quiet: true });
    expect(builds).toBe(1);
    expect(dirs).toHaveLength(2);
    expect(dirs[0]).toBe(dirs[1]);
    expect(existsSync(dirs[0])).toBe(false);
    expect(report.scenarios.map((s) => [s.name, s.error === undefined])).toEqual([['a', true], ['failing', false], ['b', true]]);
    expect(report.scenarios[1].error).toMatch(/boom/);
  });
});
