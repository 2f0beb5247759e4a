// Acceptance (#2): traces sent by the real OpenTelemetry JS exporters (OTLP protobuf, OTLP JSON,
// OTLP gRPC with gzip) come back from /api/traces/{id} and /api/v2/traces/{id} with every field
// the client put on the wire.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { canonicalSpans } from '../src/canonical.ts';
import { startTestSpanbase } from '../src/harness.ts';
import type { TestSpanbase } from '../src/harness.ts';
import { exportSpans, makeExporter, otelJson, recordRichTrace } from '../src/otel.ts';
import type { ExporterKind } from '../src/otel.ts';

let sb: TestSpanbase;

beforeAll(async () => {
  sb = await startTestSpanbase();
});
afterAll(async () => {
  await sb?.stop();
});

describe.each<ExporterKind>(['proto', 'json', 'grpc'])('OTLP %s exporter', (kind) => {
  it('round-trips every field through trace-by-id v1 and v2', async () => {
    const spans = recordRichTrace(`checkout-${kind}`);
    const traceId = spans[0].spanContext().traceId;
    const exporter = makeExporter(kind, sb);
    const result = await exportSpans(exporter, spans);
    await exporter.shutdown();
    expect(result.error?.message).toBeUndefined();
    expect(result.code).toBe(0);

    const expected = canonicalSpans(otelJson(spans).resourceSpans, 'hex', traceId);
    expect(expected).toHaveLength(5);
    // The oracle must itself see the patched-in types, or the comparison proves nothing.
    const rootAttrs = expected.find((s) => String(s.span.name).startsWith('POST'))!.span.attributes as { key: string; value: Record<string, unknown> }[];
    expect(rootAttrs.find((a) => a.key === 'payload.bytes')?.value).toHaveProperty('by');
    expect(rootAttrs.find((a) => a.key === 'request.headers')?.value).toHaveProperty('kv');

    const v1 = await fetch(`${sb.api}/api/traces/${traceId}`);
    expect(v1.status).toBe(200);
    const v1json = (await v1.json()) as { batches: unknown };
    expect(canonicalSpans(v1json.batches, 'base64')).toEqual(expected);

    const v2 = await fetch(`${sb.api}/api/v2/traces/${traceId}`);
    expect(v2.status).toBe(200);
    const v2json = (await v2.json()) as { trace: { resourceSpans: unknown }; status?: string };
    expect(v2json.status).toBeUndefined();
    expect(canonicalSpans(v2json.trace.resourceSpans, 'base64')).toEqual(expected);
  });
});

describe('trace-by-id', () => {
  it('returns spans sent twice (a client retry) once', async () => {
    const spans = recordRichTrace('retry-service');
    const traceId = spans[0].spanContext().traceId;
    const exporter = makeExporter('proto', sb);
    expect((await exportSpans(exporter, spans)).code).toBe(0);
    expect((await exportSpans(exporter, spans)).code).toBe(0);
    await exporter.shutdown();
    const body = (await (await fetch(`${sb.api}/api/traces/${traceId}`)).json()) as { batches: unknown };
    expect(canonicalSpans(body.batches, 'base64')).toHaveLength(5);
  });

  it('answers 404 for an unknown trace and 400 for a malformed id or range', async () => {
    const missing = await fetch(`${sb.api}/api/traces/0123456789abcdef0123456789abcdef`);
    expect(missing.status).toBe(404);
    expect(await missing.text()).toMatch(/trace not found/);
    const bad = await fetch(`${sb.api}/api/traces/xyz`);
    expect(bad.status).toBe(400);
    expect(await bad.text()).toMatch(/invalid trace id/);
    const tooLong = await fetch(`${sb.api}/api/v2/traces/${'a'.repeat(33)}`);
    expect(tooLong.status).toBe(400);
    const range = await fetch(`${sb.api}/api/traces/abc?start=200&end=100`);
    expect(range.status).toBe(400);
    expect(await range.text()).toMatch(/end \(100\) must be after start \(200\)/);
    const half = await fetch(`${sb.api}/api/traces/abc?start=200`);
    expect(half.status).toBe(400);
  });

  it('accepts short (64-bit) trace ids left-padded with zeros', async () => {
    const spans = recordRichTrace('short-id');
    const full = spans[0].spanContext().traceId;
    // Rewrite the trace id so its first 8 bytes are zero: old 64-bit tracers produce such ids.
    const short = '0000000000000000' + full.slice(16);
    for (const s of spans) Object.assign(s.spanContext(), { traceId: short });
    const exporter = makeExporter('proto', sb);
    expect((await exportSpans(exporter, spans)).code).toBe(0);
    await exporter.shutdown();
    const r = await fetch(`${sb.api}/api/traces/${full.slice(16)}`);
    expect(r.status).toBe(200);
  });
});

describe('basic endpoints', () => {
  it('serves echo, buildinfo, ready and metrics', async () => {
    const echo = await fetch(`${sb.api}/api/echo`);
    expect(await echo.text()).toBe('echo');
    const info = (await (await fetch(`${sb.api}/api/status/buildinfo`)).json()) as Record<string, string>;
    expect(info.version).toBe('2.9.0');
    expect(info.spanbaseVersion).toMatch(/^\d+\.\d+\.\d+/);
    expect((await fetch(`${sb.api}/ready`)).status).toBe(200);
    const metrics = await (await fetch(`${sb.api}/metrics`)).text();
    expect(metrics).toMatch(/spanbase_distributor_spans_received_total\{tenant="single-tenant"\} \d+/);
    expect(metrics).toMatch(/spanbase_wal_bytes\{tenant="single-tenant"\} \d+/);
    expect(metrics).toMatch(/spanbase_ingester_live_traces\{tenant="single-tenant"\} \d+/);
    expect(metrics).toMatch(/spanbase_distributor_push_duration_seconds_count\{protocol="http",outcome="ok"\} \d+/);
    expect(metrics).toMatch(/spanbase_request_duration_seconds_count\{route="\/api\/echo",status_code="200"\} 1/);
  });
});
