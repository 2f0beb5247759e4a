// Tail-sampling policies: which whole traces an ingester writes to blocks. Keep rules are TraceQL
// spanset queries, each with an optional share (`'{ span.http.route = "/checkout" } 0.5'`, else
// 1); drop rules are TraceQL queries; traces neither names are kept at the default ratio. Drop
// rules win over keep rules (as the OpenTelemetry Collector's tail sampler's drop policies do), and
// a trace several keep rules match gets the largest share. Every share is applied as a
// consistent-probability threshold on the trace id (see @spanbase/model consistent-sampling), so
// the decision is the same on every ingester and after every restart. The semantics are in
// docs/sampling.md.
import { createHash } from 'node:crypto';
import { parse, stringify } from '@spanbase/traceql';
import type { Query } from '@spanbase/traceql';
import { OverridesBadRule } from './errors.ts';

/** One parsed sampling rule. */
export interface SamplingRule {
  /** The rule as written (the label drops are counted under). */
  readonly text: string;
  /** The parsed spanset query. */
  readonly query: Query;
  /** Share of the matching traces kept (keep rules; 1 for drop rules). */
  readonly ratio: number;
}

/** A tenant's sampling policy. */
export interface SamplingPolicy {
  /** Keep rules. */
  readonly keep: readonly SamplingRule[];
  /** Drop rules. */
  readonly drop: readonly SamplingRule[];
  /** Share of the traces no rule names that is kept, in [0, 1]. */
  readonly defaultRatio: number;
  /** False when the policy keeps everything (no drop rule, default ratio 1): nothing to evaluate. */
  readonly active: boolean;
  /** Short hash of the rules and ratio, so a worker can cache the parsed policy. */
  readonly id: string;
}

/** A policy as plain data (the flags' and the overrides file's form), which crosses to worker threads. */
export interface SamplingSpec {
  readonly keep: readonly string[];
  readonly drop: readonly string[];
  readonly defaultRatio: number;
}

/** Sampling is off. */
export const NO_SAMPLING: SamplingSpec = { keep: [], drop: [], defaultRatio: 1 };

function checkRatio(r: number, what: string): number {
  if (!(r >= 0 && r <= 1)) throw OverridesBadRule(`${what}: the share kept must be a number from 0 to 1, e.g. 0.1`);
  return r;
}

function query(text: string, what: string): Query {
  const parsed = parse(text);
  if (parsed.errors.length > 0 || !parsed.ast) {
    const e = parsed.errors[0];
    throw OverridesBadRule(`${what}: ${e ? e.message : 'not TraceQL'}`);
  }
  if (parsed.ast.body.kind !== 'pipeline') throw OverridesBadRule(`${what}: a metrics query cannot select traces; use a spanset query such as { status = error }`);
  return parsed.ast;
}

/** Parses a keep rule, `<TraceQL spanset query> [share]`; throws OVR_ERR_BAD_RULE. */
export function parseKeepRule(text: string): SamplingRule {
  const what = `sampling keep rule "${text}"`;
  if (parse(text).errors.length === 0) return { text, query: query(text, what), ratio: 1 };
  const m = /^(.*\S)\s+([0-9.eE+-]+)\s*$/s.exec(text.trim());
  if (!m) return { text, query: query(text, what), ratio: 1 };
  return { text, query: query(m[1], what), ratio: checkRatio(Number(m[2]), what) };
}

/** Parses a drop rule, a TraceQL spanset query; throws OVR_ERR_BAD_RULE. */
export function parseDropRule(text: string): SamplingRule {
  return { text, query: query(text, `sampling drop rule "${text}"`), ratio: 1 };
}

/** Checks a spec (flags or file) and builds its policy; throws OVR_ERR_BAD_RULE. */
export function samplingPolicy(spec: SamplingSpec): SamplingPolicy {
  const keep = spec.keep.map(parseKeepRule);
  const drop = spec.drop.map(parseDropRule);
  const defaultRatio = checkRatio(spec.defaultRatio, 'sampling default ratio');
  const canonical = JSON.stringify({ k: keep.map((r) => [stringify(r.query), r.ratio]), d: drop.map((r) => stringify(r.query)), r: defaultRatio });
  const id = createHash('sha256').update(canonical).digest('hex').slice(0, 16);
  return { keep, drop, defaultRatio, active: drop.length > 0 || defaultRatio < 1 || keep.some((r) => r.ratio < 1), id };
}
