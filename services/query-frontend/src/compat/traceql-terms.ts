// Pieces of TraceQL the Jaeger and Zipkin searches are built from. Their tags are strings on the
// wire but may be stored typed (OTLP senders, or --zipkin.parse-string-tags), so a value that
// reads as a number or boolean matches either form.
import { parse } from '@spanbase/traceql';
import { BadRequest } from '../errors.ts';

/** A TraceQL string literal. */
export function quote(s: string): string {
  return JSON.stringify(s);
}

/** An unscoped attribute reference (span or resource), quoted when the name needs it. */
export function attr(key: string, scope = ''): string {
  const ref = /^[A-Za-z0-9_.\-/:]+$/.test(key) && !/^[.:]/.test(key) ? key : quote(key);
  const text = `${scope}.${ref}`;
  if (parse(`{ ${text} != nil }`).errors.length > 0) throw BadRequest(`invalid tag name "${key.slice(0, 80)}"`);
  return text;
}

/** `key = value`, as a string or as the number or boolean the text spells. */
export function tagEquals(key: string, value: string): string {
  const ref = attr(key);
  const s = `${ref} = ${quote(value)}`;
  if (/^-?\d{1,18}$/.test(value) || /^-?\d+\.\d+$/.test(value) || value === 'true' || value === 'false') return `(${s} || ${ref} = ${value})`;
  return s;
}

/** One spanset filter of all the conditions (every one must hold on the same span). */
export function spanFilter(conds: readonly string[]): string {
  return conds.length === 0 ? '{}' : `{ ${conds.join(' && ')} }`;
}

/** `duration >= Nus`-style bounds, from nanoseconds. */
export function durationConds(minNs: bigint | undefined, maxNs: bigint | undefined): string[] {
  const out: string[] = [];
  if (minNs !== undefined) out.push(`duration >= ${minNs}ns`);
  if (maxNs !== undefined) out.push(`duration <= ${maxNs}ns`);
  return out;
}
