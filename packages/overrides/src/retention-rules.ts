// Retention rules: a TraceQL spanset query and how long the traces it matches are kept, written
// `'{ status = error } 30d'`, optionally followed by the share of those traces kept that long
// (`'{ } 30d 0.05'`): the share is decided by trace id with the same consistent-probability
// function as tail sampling at ingest, so a trace kept at 1% is among those kept at 5%. A tenant's rules, its default retention and its block retention
// form a policy; the policy decides, per block age, which traces a rewrite keeps. The semantics
// are in docs/design/2026-11 Compaction and retention.md ("Retention").
import { createHash } from 'node:crypto';
import { formatDuration, parseDuration } from '@spanbase/config';
import type { Query } from '@spanbase/traceql';
import { parse, stringify } from '@spanbase/traceql';
import { OverridesBadRule } from './errors.ts';

/** One parsed retention rule. */
export interface RetentionRule {
  /** The rule as written. */
  readonly text: string;
  /** The parsed query (a spanset pipeline). */
  readonly query: Query;
  /** How long matching traces are kept, in milliseconds. */
  readonly ageMs: number;
  /** Share of the matching traces (by trace id) the rule keeps, in (0, 1]; 1 when not written. */
  readonly share: number;
}

/** `0.05` or `5%` → 0.05; undefined when the text is not a share in (0, 1]. */
function parseShare(text: string): number | undefined {
  const pct = text.endsWith('%');
  const n = Number(pct ? text.slice(0, -1) : text);
  const share = pct ? n / 100 : n;
  return /^[0-9.]+%?$/.test(text) && share > 0 && share <= 1 ? share : undefined;
}

/** Parses `<TraceQL spanset query> <duration>`; throws OVR_ERR_BAD_RULE. */
export function parseRetentionRule(text: string): RetentionRule {
  // A rule that is a whole query lacks its duration (else its last word would be taken for one).
  if (parse(text).errors.length === 0) throw OverridesBadRule(`retention rule "${text}": no duration; write the TraceQL query then how long to keep the traces it matches, e.g. '{ status = error } 30d'`);
  let m = /^(.*\S)\s+(\S+)\s*$/s.exec(text.trim());
  if (!m) throw OverridesBadRule(`retention rule "${text}": expected a TraceQL query then a duration, e.g. '{ status = error } 30d'`);
  let share = 1;
  const withShare = /^(.*\S)\s+(\S+)\s+(\S+)\s*$/s.exec(text.trim());
  if (withShare && parseDuration(withShare[2]) !== undefined && /^[0-9.]+%?$/.test(withShare[3])) {
    const s = parseShare(withShare[3]);
    if (s === undefined) throw OverridesBadRule(`retention rule "${text}": "${withShare[3]}" is not a share from 0 (excluded) to 1, e.g. 0.05 or 5%`);
    share = s;
    m = withShare.slice(0, 3) as RegExpExecArray;
  }
  const ageMs = parseDuration(m[2]);
  if (ageMs === undefined || ageMs <= 0) throw OverridesBadRule(`retention rule "${text}": "${m[2]}" is not a positive duration (e.g. 30d, 72h)`);
  const parsed = parse(m[1]);
  if (parsed.errors.length > 0 || !parsed.ast) {
    const e = parsed.errors[0];
    throw OverridesBadRule(`retention rule "${text}": ${e ? e.message : 'not TraceQL'}`);
  }
  if (parsed.ast.body.kind !== 'pipeline') throw OverridesBadRule(`retention rule "${text}": a metrics query cannot select traces; use a spanset query such as { status = error }`);
  return { text, query: parsed.ast, ageMs, share };
}

/** A tenant's retention: how long each trace lives. */
export interface RetentionPolicy {
  /** --compaction.block-retention: the default's default. */
  readonly blockRetentionMs: number;
  /** Retention of traces no rule matches (--retention.default, else the block retention). */
  readonly defaultMs: number;
  /** The rules; a trace matching several gets the longest. */
  readonly rules: readonly RetentionRule[];
  /** The longest retention of any trace: a block older than this is expired whole. */
  readonly maxAgeMs: number;
  /** Ages below maxAgeMs at which a block is rewritten, ascending. */
  readonly tiers: readonly number[];
  /** Short hash of the rules and default; a block rewritten under another policy is rewritten again. */
  readonly id: string;
}

/**
 * Builds a policy. `defaultMs` 0 means the block retention. Without rules or a default of its own,
 * the policy is the plain block retention: no tiers, blocks expire at blockRetentionMs.
 */
export function retentionPolicy(blockRetentionMs: number, defaultMs: number, rules: readonly RetentionRule[]): RetentionPolicy {
  const def = defaultMs > 0 ? defaultMs : blockRetentionMs;
  const ages = [def, ...rules.map((r) => r.ageMs)];
  const maxAgeMs = Math.max(...ages);
  const tiers = [...new Set(ages.filter((a) => a < maxAgeMs))].sort((a, b) => a - b);
  const canonical = JSON.stringify({ d: def, r: rules.map((r) => (r.share < 1 ? [stringify(r.query), r.ageMs, r.share] : [stringify(r.query), r.ageMs])).sort() });
  const id = createHash('sha256').update(canonical).digest('hex').slice(0, 16);
  return { blockRetentionMs, defaultMs: def, rules, maxAgeMs, tiers, id };
}

/** The largest tier a block of this age has passed, or undefined when none. */
export function dueTier(policy: RetentionPolicy, ageMs: number): number | undefined {
  let due: number | undefined;
  for (const t of policy.tiers) if (t < ageMs) due = t;
  return due;
}

/** Why a block past every retention goes, in the words an operator configured. */
export function expiryReason(policy: RetentionPolicy): string {
  return policy.rules.length === 0 && policy.defaultMs === policy.blockRetentionMs ? `block retention ${formatDuration(policy.blockRetentionMs)}` : `past every retention (longest ${formatDuration(policy.maxAgeMs)})`;
}
