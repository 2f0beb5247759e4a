import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { defaultConfig } from '@spanbase/config';
import { isSpanbaseError } from '@spanbase/model';
import { afterEach, describe, expect, it } from 'vitest';
import { OverridesBadFile } from './errors.ts';
import { Overrides, limitsFromConfig, parseOverrides } from './overrides.ts';
import { errorOf } from './testing.ts';

const H = 3_600_000;
const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

function file(text: string): string {
  const d = mkdtempSync(join(tmpdir(), 'sb-overrides-'));
  dirs.push(d);
  const p = join(d, 'overrides.yaml');
  writeFileSync(p, text);
  return p;
}

const FILE = `
overrides:
  "*":
    retention: { default: 48h }
  tenant-a:
    compaction: { block_retention: 720h }
    retention:
      rules: ['{ status = error } 30d']
    ingestion: { rate_limit_bytes: 20MB, burst-size-bytes: 30MB }
    global: { max_bytes_per_trace: 5MiB }
`;

describe('Overrides', () => {
  const defaults = limitsFromConfig(defaultConfig({ 'retention.rule': ['{ duration > 2s } 3d'] }));

  it('takes a tenant value, then "*", then the flags', () => {
    const o = new Overrides(defaults, { path: file(FILE) });
    const a = o.forTenant('tenant-a');
    expect(a.blockRetentionMs).toBe(720 * H);
    expect(a.retentionDefaultMs).toBe(48 * H);
    expect(a.retentionRules.map((r) => r.text)).toEqual(['{ status = error } 30d']);
    expect(a.ingestionRateLimitBytes).toBe(20e6);
    expect(a.ingestionBurstSizeBytes).toBe(30e6);
    expect(a.maxBytesPerTrace).toBe(5 * 1024 * 1024);
    const b = o.forTenant('b');
    expect(b.blockRetentionMs).toBe(336 * H);
    expect(b.retentionDefaultMs).toBe(48 * H);
    expect(b.retentionRules.map((r) => r.text)).toEqual(['{ duration > 2s } 3d']);
    expect(o.tenantsWithOverrides()).toEqual(['tenant-a']);
    expect(o.retention('tenant-a').tiers).toEqual([48 * H]);
  });

  it('reloads a changed file and keeps the previous overrides when the new one is bad', () => {
    const path = file(FILE);
    const errors: Error[] = [];
    let reloads = 0;
    const o = new Overrides(defaults, { path, onError: (e) => errors.push(e), onReload: () => reloads++ });
    expect(o.reload()).toBe(false);
    writeFileSync(path, 'overrides:\n  tenant-a:\n    compaction: { block_retention: 24h }\n');
    expect(o.reload()).toBe(true);
    expect(o.forTenant('tenant-a').blockRetentionMs).toBe(24 * H);
    expect(o.forTenant('b').retentionDefaultMs).toBe(0);
    expect(o.retention('tenant-a').blockRetentionMs).toBe(24 * H);
    writeFileSync(path, 'overrides:\n  tenant-a:\n    retention: { rules: ["{ nope } 1d"] }\n');
    expect(o.reload()).toBe(false);
    expect(errors).toHaveLength(1);
    expect(isSpanbaseError(errors[0], OverridesBadFile)).toBe(true);
    expect(o.forTenant('tenant-a').blockRetentionMs).toBe(24 * H);
    expect(reloads).toBe(1);
  });

  it('fails at start on an unreadable file', () => {
    expect(() => new Overrides(defaults, { path: join(tmpdir(), 'no-such-dir-sb', 'x.yaml') })).toThrow(/overrides file/);
  });

  it.each([
    ['overrides:\n  a:\n    compaction: { block_retenton: 1h }\n', 'unknown key a.compaction.block_retenton'],
    ['overrides:\n  a:\n    limits: {}\n', 'unknown key a.limits'],
    ['overrides:\n  a:\n    compaction: { block_retention: soon }\n', 'expected a duration'],
    ['overrides:\n  a:\n    ingestion: { rate_limit_bytes: lots }\n', 'expected a size'],
    ['overrides:\n  a:\n    retention: { rules: "{ } 1d" }\n', 'expected a list'],
    ['tenants: {}\n', 'one top-level key'],
    ['overrides: [1]\n', 'must map tenant ids'],
    ['overrides: {a: 3}\n', 'must be a mapping'],
    ['overrides: {a: {compaction: 3}}\n', 'a.compaction must be a mapping'],
    ['{', 'not YAML'],
  ])('rejects %j', (text, reason) => {
    const err = errorOf(() => parseOverrides(text));
    expect(isSpanbaseError(err, OverridesBadFile)).toBe(true);
    expect((err as Error).message).toContain(reason);
  });
});
