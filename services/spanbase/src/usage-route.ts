// GET /api/usage[?dry_run=true]: `spanbase usage` for the request's tenant as JSON
// (`{ usage, dryRun }`), the dry run under the tenant's current sampling policy (flags and
// overrides file). One report runs at a time, in its own thread; another asked meanwhile gets 429.
import { Worker } from 'node:worker_threads';
import type { ObjectStoreConfig } from '@spanbase/backend';
import type { Overrides } from '@spanbase/overrides';
import { tenantFromHeader } from '@spanbase/server';
import type { FastifyInstance } from '@spanbase/server';
import type { UsageReport } from './usage-cli.ts';
import type { UsageJob } from './usage-worker.ts';
import { UsageBusy } from './errors.ts';

/** Registers the route. */
export function registerUsageRoute(app: FastifyInstance, opts: { store: ObjectStoreConfig; overrides: Overrides; multitenancy: boolean }): void {
  let running = false;
  app.get('/api/usage', async (req) => {
    const tenant = tenantFromHeader(req.headers['x-scope-orgid'], opts.multitenancy);
    if (running) throw UsageBusy('a usage report is being computed; retry when it is done', { retryAfterSeconds: 5 });
    const dryRun = (req.query as Record<string, string | undefined>).dry_run === 'true';
    const p = opts.overrides.sampling(tenant);
    const job: UsageJob = { store: { ...opts.store, cache: undefined }, tenant, policy: dryRun ? { keep: p.keep.map((r) => r.text), drop: p.drop.map((r) => r.text), defaultRatio: p.defaultRatio } : undefined };
    running = true;
    try {
      return await new Promise<UsageReport>((resolve, reject) => {
        const w = new Worker(new URL('./usage-worker.ts', import.meta.url), { workerData: job });
        w.once('message', (m: { ok: true; report: UsageReport } | { ok: false; error: string }) => (m.ok ? resolve(m.report) : reject(new Error(m.error))));
        w.once('error', reject);
        w.once('exit', (code) => reject(new Error(`usage worker exited with code ${code}`)));
      });
    } finally {
      running = false;
    }
  });
}
