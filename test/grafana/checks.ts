// Field checks shared by the replayed requests: the protobuf-JSON rules Tempo's JSON follows
// (and Grafana's parsers rely on), trace comparison against what the client sent, and version
// comparison as Grafana's semver.gte does it.
import { expect } from 'vitest';
import type { ReadableSpan } from '@opentelemetry/sdk-trace';
import { canonicalSpans } from '../src/canonical.ts';
import { sentResourceSpans } from './fixture.ts';

/** Fields that are 64-bit integers in Tempo's messages: protobuf-JSON writes them as strings. */
const INT64_FIELDS = new Set([
  'startTimeUnixNano', 'endTimeUnixNano', 'timeUnixNano', 'intValue', 'durationNanos', 'timestampMs',
  'inspectedBytes', 'totalBlockBytes', 'inspectedSpans', 'backendReads', 'backendBytes',
]);
/** 32-bit integer fields: JSON numbers. */
const INT32_FIELDS = new Set([
  'durationMs', 'matched', 'inspectedTraces', 'totalBlocks', 'completedJobs', 'totalJobs',
  'droppedAttributesCount', 'droppedEventsCount', 'droppedLinksCount', 'flags', 'spanCount', 'errorCount',
]);
/** Members of AnyValue's oneof: present even at their zero value, since presence is the information. */
const ONEOF_MEMBERS = new Set(['stringValue', 'boolValue', 'intValue', 'doubleValue', 'bytesValue', 'arrayValue', 'kvlistValue']);
/** Enum fields and the prefix of their value names. */
const ENUM_FIELDS: Record<string, RegExp> = { kind: /^SPAN_KIND_[A-Z]+$/, code: /^STATUS_CODE_[A-Z]+$/ };
/** Byte fields holding ids in trace JSON (base64) and their lengths. */
const ID_FIELDS: Record<string, number[]> = { traceId: [16], spanId: [8], parentSpanId: [8] };

function isZero(v: unknown): boolean {
  return v === 0 || v === '' || v === false || v === '0' || (Array.isArray(v) && v.length === 0);
}

/**
 * Lists every place where `json` breaks protobuf-JSON as Tempo writes it: 64-bit integers not
 * strings, 32-bit ones not numbers, zero values present (outside a oneof), enums not by name,
 * ids not base64 of the right length. An empty list means the body is as Grafana parses it.
 */
export function protoJsonViolations(json: unknown, path = '$'): string[] {
  const out: string[] = [];
  if (Array.isArray(json)) {
    json.forEach((v, i) => out.push(...protoJsonViolations(v, `${path}[${i}]`)));
    return out;
  }
  if (json === null || typeof json !== 'object') return out;
  for (const [key, v] of Object.entries(json as Record<string, unknown>)) {
    const at = `${path}.${key}`;
    if (v === null) out.push(`${at}: null (unset fields are left out)`);
    if (!ONEOF_MEMBERS.has(key) && isZero(v)) out.push(`${at}: zero value ${JSON.stringify(v)} should be left out`);
    if (INT64_FIELDS.has(key) && (typeof v !== 'string' || !/^-?\d+$/.test(v))) out.push(`${at}: 64-bit integer must be a decimal string, got ${JSON.stringify(v)}`);
    if (INT32_FIELDS.has(key) && (typeof v !== 'number' || !Number.isInteger(v))) out.push(`${at}: 32-bit integer must be a JSON number, got ${JSON.stringify(v)}`);
    if (key in ENUM_FIELDS && (typeof v !== 'string' || !ENUM_FIELDS[key].test(v))) out.push(`${at}: enum must be written by name, got ${JSON.stringify(v)}`);
    if (key in ID_FIELDS) {
      const bytes = typeof v === 'string' ? Buffer.from(v, 'base64') : undefined;
      if (!bytes || bytes.toString('base64') !== v || !ID_FIELDS[key].includes(bytes.byteLength)) out.push(`${at}: id must be base64 of ${ID_FIELDS[key].join(' or ')} bytes, got ${JSON.stringify(v)}`);
    }
    out.push(...protoJsonViolations(v, at));
  }
  return out;
}

/** Asserts that `json` follows protobuf-JSON as Tempo writes it. */
export function expectProtoJson(json: unknown): void {
  expect(protoJsonViolations(json)).toEqual([]);
}

/** Asserts that returned ResourceSpans (base64 ids) hold exactly the spans the client sent. */
export function expectSameSpans(resourceSpans: unknown, sent: ReadableSpan[]): void {
  const expected = canonicalSpans(sentResourceSpans(sent), 'hex');
  expect(expected.length).toBe(sent.length);
  expect(canonicalSpans(resourceSpans, 'base64')).toEqual(expected);
}

/** Spans of returned ResourceSpans, each checked to be one the client sent unchanged. */
export function expectSubsetOfSpans(resourceSpans: unknown, sent: ReadableSpan[]): number {
  const byId = new Map(canonicalSpans(sentResourceSpans(sent), 'hex').map((s) => [s.span.spanId, s]));
  const got = canonicalSpans(resourceSpans, 'base64');
  for (const s of got) expect(s).toEqual(byId.get(s.span.spanId));
  return got.length;
}

/** Grafana's `semver.gte(version, min)` for plain x.y.z versions (a pre-release tag sorts lower). */
export function semverGte(version: string, min: string): boolean {
  const m = /^v?(\d+)\.(\d+)\.(\d+)(-[0-9A-Za-z.-]+)?(\+[0-9A-Za-z.-]+)?$/.exec(version);
  if (!m) return false;
  const [a, b] = [[+m[1], +m[2], +m[3]], min.split('.').map(Number)];
  for (let i = 0; i < 3; i++) if (a[i] !== b[i]) return a[i] > b[i];
  return m[4] === undefined;
}
