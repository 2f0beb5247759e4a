import { isSpanbaseError } from '@spanbase/model';
import { describe, expect, it } from 'vitest';
import { OverridesBadRule } from './errors.ts';
import { dueTier, expiryReason, parseRetentionRule, retentionPolicy } from './retention-rules.ts';
import { errorOf } from './testing.ts';

const H = 3_600_000;
const D = 24 * H;

describe('parseRetentionRule', () => {
  it('splits the query from the trailing duration', () => {
    const r = parseRetentionRule('{ status = error } 30d');
    expect(r.ageMs).toBe(30 * D);
    expect(r.query.body.kind).toBe('pipeline');
    expect(parseRetentionRule('  { duration > 2s && span.http.route = "/a b" }   72h ').ageMs).toBe(72 * H);
    expect(r.share).toBe(1);
  });

  it('takes an optional share after the duration', () => {
    expect(parseRetentionRule('{ } 30d 0.05')).toMatchObject({ ageMs: 30 * D, share: 0.05 });
    expect(parseRetentionRule('{ .a = 1 } 30d 5%')).toMatchObject({ ageMs: 30 * D, share: 0.05 });
    expect(parseRetentionRule('{ .a > 5 } 30d').share).toBe(1);
  });

  it.each([
    ['{ status = error }', 'no duration; write the TraceQL query then how long'],
    ['{ status = error && duration > 2s }', 'no duration'],
    ['30d', 'TraceQL'],
    ['{ status = error } soon', 'positive duration'],
    ['{ status = error } 0s', 'positive duration'],
    ['{ status = } 30d', 'parse error'],
    ['{ } | rate() 30d', 'metrics query'],
    ['{ } 30d 0', 'not a share'],
    ['{ } 30d 1.5', 'not a share'],
    ['{ } 30d 120%', 'not a share'],
  ])('rejects %j', (text, reason) => {
    const err = errorOf(() => parseRetentionRule(text));
    expect(isSpanbaseError(err, OverridesBadRule)).toBe(true);
    expect((err as Error).message).toContain(reason);
  });
});

describe('retentionPolicy', () => {
  const rules = [parseRetentionRule('{ status = error } 30d'), parseRetentionRule('{ duration > 2s } 10d')];

  it('is the plain block retention without rules or a default', () => {
    expect(retentionPolicy(14 * D, 0, [])).toMatchObject({ tiers: [], defaultMs: 14 * D, maxAgeMs: 14 * D });
    expect(retentionPolicy(14 * D, 20 * D, [])).toMatchObject({ tiers: [], maxAgeMs: 20 * D });
  });

  it('lets rules keep traces longer than the block retention, and shorter ones shorten', () => {
    const p = retentionPolicy(14 * D, 0, [parseRetentionRule('{ status = error } 30d'), parseRetentionRule('{ resource.service.name = "noisy" } 1d')]);
    expect(p).toMatchObject({ defaultMs: 14 * D, maxAgeMs: 30 * D, tiers: [D, 14 * D] });
  });

  it('orders tiers below the block retention and finds the tier a block has passed', () => {
    const p = retentionPolicy(14 * D, 7 * D, rules);
    expect(p.tiers).toEqual([7 * D, 10 * D]);
    expect(dueTier(p, 6 * D)).toBeUndefined();
    expect(dueTier(p, 7 * D + 1)).toBe(7 * D);
    expect(dueTier(p, 11 * D)).toBe(10 * D);
    expect(p.maxAgeMs).toBe(30 * D);
  });

  it('identifies a policy by its rules and default, not their order or spelling', () => {
    const a = retentionPolicy(14 * D, 7 * D, rules);
    const b = retentionPolicy(14 * D, 7 * D, [parseRetentionRule('{ duration>2s } 240h'), parseRetentionRule('{status=error} 30d')]);
    expect(a.id).toBe(b.id);
    expect(retentionPolicy(14 * D, 6 * D, rules).id).not.toBe(a.id);
  });

  it('names why a block past every retention goes', () => {
    expect(expiryReason(retentionPolicy(14 * D, 0, []))).toBe('block retention 14d');
    expect(expiryReason(retentionPolicy(14 * D, 7 * D, rules))).toBe('past every retention (longest 30d)');
  });
});
