// The response shapes of Jaeger's query service and of Zipkin's API, written from their published
// definitions (Jaeger's JSON model of traces and its query service's response envelope; Zipkin's
// v2 OpenAPI definition), not from Spanbase's output. Each check returns the
// list of problems, so a test shows every field that is off at once.

type Json = Record<string, unknown>;

function keysWithin(o: Json, allowed: readonly string[], required: readonly string[], at: string, out: string[]): void {
  for (const k of Object.keys(o)) if (!allowed.includes(k)) out.push(`${at}: unexpected key "${k}"`);
  for (const k of required) if (!(k in o)) out.push(`${at}: missing key "${k}"`);
}

const isObj = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);

/** Jaeger's envelope: {data, total, limit, offset, errors}. */
export function jaegerEnvelopeProblems(body: unknown): string[] {
  const out: string[] = [];
  if (!isObj(body)) return ['body is not an object'];
  keysWithin(body, ['data', 'total', 'limit', 'offset', 'errors'], ['data', 'total', 'limit', 'offset', 'errors'], 'envelope', out);
  for (const k of ['total', 'limit', 'offset']) if (typeof body[k] !== 'number') out.push(`envelope.${k} is not a number`);
  if (body.errors !== null && !Array.isArray(body.errors)) out.push('envelope.errors is neither null nor an array');
  if (Array.isArray(body.errors)) {
    for (const e of body.errors) {
      if (!isObj(e)) out.push('envelope.errors[] is not an object');
      else {
        keysWithin(e, ['code', 'msg', 'traceID'], ['msg'], 'error', out);
        if (typeof e.msg !== 'string') out.push('error.msg is not a string');
      }
    }
  }
  return out;
}

const JAEGER_TYPES = ['string', 'bool', 'int64', 'float64', 'binary'];

function jaegerKeyValue(kv: unknown, at: string, out: string[]): void {
  if (!isObj(kv)) return void out.push(`${at} is not an object`);
  keysWithin(kv, ['key', 'type', 'value'], ['key', 'value'], at, out);
  if (typeof kv.key !== 'string') out.push(`${at}.key is not a string`);
  if (!JAEGER_TYPES.includes(kv.type as string)) out.push(`${at}.type ${JSON.stringify(kv.type)} is not a Jaeger value type`);
  const want = { string: 'string', bool: 'boolean', int64: 'number', float64: 'number', binary: 'string' }[kv.type as string];
  if (want && typeof kv.value !== want) out.push(`${at}.value is ${typeof kv.value}, ${kv.type} needs ${want}`);
}

const HEX16 = /^[0-9a-f]{16}$/;
const TRACE_HEX = /^([0-9a-f]{16}|[0-9a-f]{32})$/;

/** A Jaeger trace (its JSON model: Trace, Span, Reference, Process, Log, KeyValue). */
export function jaegerTraceProblems(trace: unknown): string[] {
  const out: string[] = [];
  if (!isObj(trace)) return ['trace is not an object'];
  keysWithin(trace, ['traceID', 'spans', 'processes', 'warnings'], ['traceID', 'spans', 'processes'], 'trace', out);
  if (!TRACE_HEX.test(String(trace.traceID))) out.push(`trace.traceID ${JSON.stringify(trace.traceID)} is not 16 or 32 hex digits`);
  const processes = isObj(trace.processes) ? trace.processes : {};
  for (const [pid, p] of Object.entries(processes)) {
    if (!isObj(p)) {
      out.push(`process ${pid} is not an object`);
      continue;
    }
    keysWithin(p, ['serviceName', 'tags'], ['serviceName'], `process ${pid}`, out);
    if (typeof p.serviceName !== 'string') out.push(`process ${pid}.serviceName is not a string`);
    ((p.tags as unknown[]) ?? []).forEach((t, i) => jaegerKeyValue(t, `process ${pid}.tags[${i}]`, out));
  }
  const spans = Array.isArray(trace.spans) ? trace.spans : [];
  spans.forEach((s: unknown, i: number) => {
    const at = `spans[${i}]`;
    if (!isObj(s)) return void out.push(`${at} is not an object`);
    keysWithin(s, ['traceID', 'spanID', 'flags', 'operationName', 'references', 'startTime', 'duration', 'tags', 'logs', 'processID', 'process', 'warnings'], ['traceID', 'spanID', 'operationName', 'startTime', 'duration', 'processID'], at, out);
    if (s.traceID !== trace.traceID) out.push(`${at}.traceID differs from the trace's`);
    if (!HEX16.test(String(s.spanID))) out.push(`${at}.spanID is not 16 hex digits`);
    if (!Number.isInteger(s.startTime) || !Number.isInteger(s.duration)) out.push(`${at}.startTime/duration are not integer microseconds`);
    if (!(String(s.processID) in processes)) out.push(`${at}.processID ${JSON.stringify(s.processID)} is not in processes`);
    ((s.references as unknown[]) ?? []).forEach((r, j) => {
      if (!isObj(r)) return void out.push(`${at}.references[${j}] is not an object`);
      keysWithin(r, ['refType', 'traceID', 'spanID'], ['refType', 'traceID', 'spanID'], `${at}.references[${j}]`, out);
      if (r.refType !== 'CHILD_OF' && r.refType !== 'FOLLOWS_FROM') out.push(`${at}.references[${j}].refType ${JSON.stringify(r.refType)}`);
    });
    ((s.tags as unknown[]) ?? []).forEach((t, j) => jaegerKeyValue(t, `${at}.tags[${j}]`, out));
    ((s.logs as unknown[]) ?? []).forEach((l, j) => {
      if (!isObj(l)) return void out.push(`${at}.logs[${j}] is not an object`);
      keysWithin(l, ['timestamp', 'fields'], ['timestamp'], `${at}.logs[${j}]`, out);
      ((l.fields as unknown[]) ?? []).forEach((f, k) => jaegerKeyValue(f, `${at}.logs[${j}].fields[${k}]`, out));
    });
  });
  return out;
}

/** A Zipkin v2 span (its OpenAPI definitions Span, Endpoint, Annotation, Tags). */
export function zipkinSpanProblems(s: unknown, at = 'span'): string[] {
  const out: string[] = [];
  if (!isObj(s)) return [`${at} is not an object`];
  keysWithin(s, ['traceId', 'name', 'parentId', 'id', 'kind', 'timestamp', 'duration', 'debug', 'shared', 'localEndpoint', 'remoteEndpoint', 'annotations', 'tags'], ['traceId', 'id'], at, out);
  if (!/^[a-z0-9]{16,32}$/.test(String(s.traceId))) out.push(`${at}.traceId does not match [a-z0-9]{16,32}`);
  if (!/^[a-z0-9]{16}$/.test(String(s.id))) out.push(`${at}.id does not match [a-z0-9]{16}`);
  if (s.parentId !== undefined && !/^[a-z0-9]{16}$/.test(String(s.parentId))) out.push(`${at}.parentId does not match [a-z0-9]{16}`);
  if (s.kind !== undefined && !['CLIENT', 'SERVER', 'PRODUCER', 'CONSUMER'].includes(s.kind as string)) out.push(`${at}.kind ${JSON.stringify(s.kind)}`);
  for (const k of ['timestamp', 'duration']) if (s[k] !== undefined && !Number.isInteger(s[k])) out.push(`${at}.${k} is not an integer`);
  for (const e of ['localEndpoint', 'remoteEndpoint']) {
    const ep = s[e];
    if (ep === undefined) continue;
    if (!isObj(ep)) {
      out.push(`${at}.${e} is not an object`);
      continue;
    }
    keysWithin(ep, ['serviceName', 'ipv4', 'ipv6', 'port'], [], `${at}.${e}`, out);
    if (ep.port !== undefined && (!Number.isInteger(ep.port) || ep.port === 0)) out.push(`${at}.${e}.port is not a non-zero integer`);
  }
  ((s.annotations as unknown[]) ?? []).forEach((a, i) => {
    if (!isObj(a)) return void out.push(`${at}.annotations[${i}] is not an object`);
    keysWithin(a, ['timestamp', 'value'], ['timestamp', 'value'], `${at}.annotations[${i}]`, out);
  });
  if (s.tags !== undefined) {
    if (!isObj(s.tags)) out.push(`${at}.tags is not an object`);
    else for (const [k, v] of Object.entries(s.tags)) if (typeof v !== 'string') out.push(`${at}.tags.${k} is not a string`);
  }
  return out;
}

/** Zipkin's ListOfTraces: an array of arrays of spans. */
export function zipkinTracesProblems(body: unknown): string[] {
  if (!Array.isArray(body)) return ['body is not an array'];
  return body.flatMap((t, i) => (Array.isArray(t) ? t.flatMap((s, j) => zipkinSpanProblems(s, `[${i}][${j}]`)) : [`[${i}] is not an array`]));
}
