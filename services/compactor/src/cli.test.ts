import { LocalStore } from '@spanbase/backend';
import { defaultConfig } from '@spanbase/config';
import { traceIdToSearchHex } from '@spanbase/model';
import { referenceSearch } from '@spanbase/traceql';
import { afterAll, describe, expect, it } from 'vitest';
import type { CommandIo } from './cli.ts';
import { runCompactCommand, runRetentionCommand } from './cli.ts';
import { DAY, HOUR, T0_MS, TempDirs, splitTraces, writeParts } from './testing/scenario.ts';
import { objectKeys, visibleMetas } from './testing/store-check.ts';

const tmp = new TempDirs();
afterAll(() => tmp.removeAll());

function io(): CommandIo & { stdout: string; stderr: string } {
  const o = { stdout: '', stderr: '', out: (s: string) => void (o.stdout += s), err: (s: string) => void (o.stderr += s) };
  return o;
}

describe('spanbase compact --once', () => {
  it('runs one cycle on the store the flags name and reports it', async () => {
    const dir = tmp.make();
    const local = new LocalStore({ path: dir });
    await writeParts(local, 'single-tenant', splitTraces(30, 3, Date.now() - HOUR).parts);
    const out = io();
    const code = await runCompactCommand(defaultConfig({ 'storage.local.path': dir }), { once: true, io: out });
    expect(code).toBe(0);
    expect(out.stdout).toMatch(/^compact: 1 tenant, 1 job \(3 blocks compacted\).* 0 failures\n$/);
    expect(out.stderr.split('\n')[0]).toBe(`compact: one compaction cycle over the blocks in ${dir} (window 1h, block retention 14d)`);
    expect(out.stderr).toMatch(/merging 3 blocks into level 1, [\d.]+ MiB: 100% \(\d+\/\d+ traces\)/);
    expect((await visibleMetas(local, 'single-tenant')).map((m) => m.compactionLevel)).toEqual([1]);
  });
});

describe('spanbase retention --dry-run', () => {
  it('reports what would be expired and dropped, per tenant and rule, and changes nothing', async () => {
    const store = tmp.store();
    const { traces, parts } = splitTraces(60, 1, T0_MS);
    await writeParts(store, 'a', parts);
    await writeParts(store, 'b', splitTraces(10, 1, T0_MS).parts);
    const before = await objectKeys(store, '');
    const cfg = defaultConfig({ 'retention.rule': ['{ status = error } 30d', '{ duration > 2s } 10d'], 'retention.default': 7 * DAY });
    const out = io();
    const now = () => T0_MS + 8 * DAY;
    expect(await runRetentionCommand(cfg, { dryRun: true, io: out, store, now })).toBe(0);
    const errors = new Set((await referenceSearch('{ status = error }', traces, { limit: 0 })).traces.map((t) => t.traceId));
    const slow = new Set((await referenceSearch('{ duration > 2s }', traces, { limit: 0 })).traces.map((t) => t.traceId));
    const hex = (t: (typeof traces)[number]) => traceIdToSearchHex(t[0].span.traceId);
    const keptByErrors = traces.filter((t) => errors.has(hex(t)));
    const keptBySlow = traces.filter((t) => !errors.has(hex(t)) && slow.has(hex(t)));
    const dropped = traces.filter((t) => !errors.has(hex(t)) && !slow.has(hex(t)));
    const spans = (ts: typeof traces) => ts.reduce((n, t) => n + t.length, 0);
    const row = (tenant: string, action: string, reason: string) => out.stdout.split('\n').find((l) => l.startsWith(`${tenant} `) && l.includes(` ${action} `) && l.includes(reason));
    expect(row('a', 'keep', '{ status = error } 30d')).toMatch(new RegExp(`\\s1\\s+${keptByErrors.length}\\s+${spans(keptByErrors)}\\s`));
    expect(row('a', 'keep', '{ duration > 2s } 10d')).toMatch(new RegExp(`\\s1\\s+${keptBySlow.length}\\s+${spans(keptBySlow)}\\s`));
    expect(row('a', 'drop', 'default 7d')).toMatch(new RegExp(`\\s1\\s+${dropped.length}\\s+${spans(dropped)}\\s`));
    expect(row('b', 'drop', 'default 7d')).toBeDefined();
    expect(out.stderr).toContain('retention: a: judged 1/1 blocks to rewrite');
    expect(await objectKeys(store, '')).toEqual(before);

    // Past 10d the slow traces go too, and the report names the rule whose time ran out.
    const at11 = io();
    await runRetentionCommand(cfg, { dryRun: true, io: at11, store, now: () => T0_MS + 11 * DAY });
    const row11 = at11.stdout.split('\n').find((l) => l.startsWith('a ') && l.includes(' drop ') && l.includes('{ duration > 2s } 10d'));
    expect(row11).toMatch(new RegExp(`\\s1\\s+${keptBySlow.length}\\s+${spans(keptBySlow)}\\s`));

    const later = io();
    await runRetentionCommand(cfg, { dryRun: true, io: later, store, now: () => T0_MS + 31 * DAY });
    expect(later.stdout).toMatch(/^a\s+expire\s+past every retention \(longest 30d\)\s+1\s+60\s/m);
    const plain = io();
    await runRetentionCommand(defaultConfig(), { dryRun: true, io: plain, store, now: () => T0_MS + 15 * DAY });
    expect(plain.stdout).toMatch(/^b\s+expire\s+block retention 14d\s+1\s+10\s/m);
  });

  it('reports the same without --dry-run, and says that nothing was changed', async () => {
    const store = tmp.store();
    await writeParts(store, 'b', splitTraces(10, 1, T0_MS).parts);
    const before = await objectKeys(store, '');
    const now = () => T0_MS + 15 * DAY;
    const dry = io();
    const plain = io();
    expect(await runRetentionCommand(defaultConfig(), { dryRun: true, io: dry, store, now })).toBe(0);
    expect(await runRetentionCommand(defaultConfig(), { dryRun: false, io: plain, store, now })).toBe(0);
    expect(plain.stdout).toBe(dry.stdout);
    expect(plain.stdout).toMatch(/^b\s+expire\s+block retention 14d\s+1\s+10\s/m);
    expect(plain.stderr).toContain('retention: nothing was changed; the compactor applies retention every --compaction.cycle (30s)');
    expect(await objectKeys(store, '')).toEqual(before);
  });
});
