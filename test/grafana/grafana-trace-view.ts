// What Grafana's backend does with trace-by-id answers (pkg/tsdb/tempo/trace.go, getTrace), as a
// small state machine over real HTTP: ask v2 for protobuf; on a 404 ask v1; any other non-200
// is an error shown to the user; an empty v2 trace is "not found"; PARTIAL and its message go to
// the frame's meta and the UI shows a warning. The suite uses it to check outcomes, not bytes.
import type { CanonicalSpan } from '../src/canonical.ts';
import { canonicalSpans } from '../src/canonical.ts';
import { decodeTrace, decodeTraceByIdResponse } from './tempopb.ts';

/** What the user sees. */
export type TraceViewOutcome =
  | { kind: 'trace'; spans: CanonicalSpan[]; partial: boolean; message: string; requests: string[] }
  | { kind: 'error'; status: number; body: string; requests: string[] };

/** Grafana's trace query: `query` is the trace id as typed or linked; range in unix seconds (0 = none). */
export async function grafanaTraceQuery(
  api: string,
  query: string,
  range: { from: number; to: number },
  headers: Record<string, string>,
  fetchFn: typeof fetch = fetch,
): Promise<TraceViewOutcome> {
  const requests: string[] = [];
  const get = async (version: 'v1' | 'v2') => {
    const base = version === 'v1' ? `/api/traces/${query}` : `/api/v2/traces/${query}`;
    const path = range.from === 0 || range.to === 0 ? base : `${base}?start=${range.from}&end=${range.to}`;
    requests.push(path);
    const r = await fetchFn(api + path, { headers: { ...headers, Accept: 'application/protobuf' } });
    return { status: r.status, body: new Uint8Array(await r.arrayBuffer()) };
  };
  let version: 'v1' | 'v2' = 'v2';
  let res = await get(version);
  if (res.status === 404) {
    version = 'v1';
    res = await get(version);
  }
  if (res.status !== 200) return { kind: 'error', status: res.status, body: new TextDecoder().decode(res.body), requests };
  if (version === 'v1') {
    const trace = decodeTrace(res.body);
    return { kind: 'trace', spans: canonicalSpans(trace.resourceSpans, 'base64'), partial: false, message: '', requests };
  }
  const tr = decodeTraceByIdResponse(res.body);
  // Go: tr.Trace.ResourceSpans on a nil Trace panics; the plugin answers with an error.
  if (tr.trace === undefined) throw new Error('TraceByIDResponse without a trace field: Grafana would dereference a nil pointer');
  const spans = canonicalSpans(tr.trace.resourceSpans, 'base64');
  if ((tr.trace.resourceSpans ?? []).length === 0) return { kind: 'error', status: 404, body: '', requests };
  return { kind: 'trace', spans, partial: tr.status === 'PARTIAL', message: tr.message ?? '', requests };
}
