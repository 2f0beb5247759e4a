// A scenario whose server dies under it says so: the report's error names the request, undici's
// cause and how the server ended, not just "fetch failed". The server is killed for real.
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runBench } from '../run.ts';
import type { Scenario } from '../scenario.ts';
import { searchUrl, timedGet } from './api.ts';
import { startDatasetServer } from './dataset-server.ts';

describe('a dataset server session', () => {
  const out = mkdtempSync(join(tmpdir(), 'spanbase-dataset-server-test-'));
  afterAll(() => rmSync(out, { recursive: true, force: true }));

  it('reports a server killed mid-run with the failed request, its cause and the signal', async () => {
    let answered = 0;
    const killed: Scenario = {
      name: 'killed', title: 'k', description: 'k', inDefaultSuite: false,
      async run(ctx) {
        const dir = join(ctx.tmpDir, 'blocks');
        mkdirSync(dir);
        const srv = await startDatasetServer(ctx, { dir, tenant: 'single-tenant', metas: [] });
        await srv.session('queries', async () => {
          const url = searchUrl(srv.server.api, '{}', { limit: 1 });
          answered = (await timedGet(url)).status;
          process.kill(srv.server.pid, 'SIGKILL');
          await new Promise((r) => setTimeout(r, 200));
          await timedGet(url);
        });
        return { rows: [{ metric: 'm', unit: 'u', spanbase: 1 }] };
      },
    };
    const { report } = await runBench({ registry: [killed], scenarios: ['killed'], scale: 0.01, outDir: out, quiet: true });
    expect(answered).toBe(200);
    const error = report.scenarios[0].error ?? '';
    expect(error).toMatch(/GET \/api\/search failed after \d+ ms: ECONNREFUSED/);
    expect(error).toMatch(/the server had ended by itself \(SIGKILL\)/);
    expect(error).toMatch(/caused by: TypeError: fetch failed/);
  }, 60_000);
});
