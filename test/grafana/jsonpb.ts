// Grafana's Go backend reads TraceQL metrics answers with jsonpb into Tempo's messages
// (pkg/tsdb/tempo/traceql_query.go): a field the message does not have, a value of the wrong
// JSON type or two members of one oneof make it reject the whole answer, and the panel shows an
// error. This walks a body against the suite's tempo.proto the same way and lists every place
// such a parse would fail.
import protobuf from 'protobufjs';
import { expect } from 'vitest';
import { contractType } from './tempopb.ts';

const INT64 = new Set(['int64', 'uint64', 'sint64', 'fixed64', 'sfixed64']);
const INT32 = new Set(['int32', 'uint32', 'sint32', 'fixed32', 'sfixed32']);
const FLOAT_WORDS = new Set(['NaN', 'Infinity', '-Infinity']);

function scalarProblem(type: string, v: unknown): string | undefined {
  const isIntText = typeof v === 'string' && /^-?\d+$/.test(v);
  if (type === 'string') return typeof v === 'string' ? undefined : 'a string';
  if (type === 'bool') return typeof v === 'boolean' ? undefined : 'true or false';
  if (type === 'bytes') return typeof v === 'string' && Buffer.from(v, 'base64').toString('base64') === v ? undefined : 'base64';
  if (INT64.has(type) || INT32.has(type)) return (typeof v === 'number' && Number.isInteger(v)) || isIntText ? undefined : 'an integer';
  if (type === 'double' || type === 'float') return typeof v === 'number' || (typeof v === 'string' && (FLOAT_WORDS.has(v) || !Number.isNaN(Number(v)))) ? undefined : 'a number';
  return `a ${type}`;
}

function valueProblems(field: protobuf.Field, v: unknown, at: string): string[] {
  const t = field.resolvedType;
  if (t instanceof protobuf.Type) return messageProblems(t, v, at);
  if (t instanceof protobuf.Enum) return (typeof v === 'string' && v in t.values) || Number.isInteger(v) ? [] : [`${at}: not a value of enum ${t.name}: ${JSON.stringify(v)}`];
  const want = scalarProblem(field.type, v);
  return want ? [`${at}: ${field.type} must be ${want}, got ${JSON.stringify(v)}`] : [];
}

function messageProblems(type: protobuf.Type, json: unknown, at: string): string[] {
  if (json === null || typeof json !== 'object' || Array.isArray(json)) return [`${at}: message ${type.name} must be an object, got ${JSON.stringify(json)}`];
  const out: string[] = [];
  const obj = json as Record<string, unknown>;
  for (const [key, v] of Object.entries(obj)) {
    const field = type.fields[key];
    const where = `${at}.${key}`;
    if (!field) {
      out.push(`${where}: ${type.name} has no field "${key}" (jsonpb rejects unknown fields)`);
      continue;
    }
    if (v === null) continue;
    if (field.map) {
      if (typeof v !== 'object' || Array.isArray(v)) out.push(`${where}: map must be an object`);
      else for (const [k, x] of Object.entries(v)) out.push(...valueProblems(field, x, `${where}[${JSON.stringify(k)}]`));
    } else if (field.repeated) {
      if (!Array.isArray(v)) out.push(`${where}: repeated field must be an array, got ${JSON.stringify(v)}`);
      else v.forEach((x, i) => out.push(...valueProblems(field, x, `${where}[${i}]`)));
    } else {
      out.push(...valueProblems(field, v, where));
    }
  }
  for (const oneof of type.oneofsArray) {
    const set = oneof.oneof.filter((name) => obj[name] !== undefined && obj[name] !== null);
    if (set.length > 1) out.push(`${at}: oneof ${oneof.name} has ${set.length} members set (${set.join(', ')})`);
  }
  return out;
}

/** Every place where jsonpb would fail to read `json` as the tempo.proto message `typeName`. */
export function jsonpbViolations(typeName: string, json: unknown): string[] {
  return messageProblems(contractType(typeName), json, '$');
}

/** Asserts Grafana's jsonpb reads `json` as `typeName`. */
export function expectJsonpb(typeName: string, json: unknown): void {
  expect(jsonpbViolations(typeName, json)).toEqual([]);
}
