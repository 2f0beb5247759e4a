// Acceptance (#3): traces sent by the real OpenTelemetry exporters are flushed into blocks, on
// local disk and on S3 (s3rver), and come back from /api/traces/{id} with every field intact —
// read from the block, not from memory.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Config } from '@spanbase/config';
import { FAST_FLUSH, waitForFlush } from '../src/flush.ts';
import { s3TestConfig } from '../setup/s3.ts';
import { canonicalSpans } from '../src/canonical.ts';
import { startTestSpanbase } from '../src/harness.ts';
import type { TestSpanbase } from '../src/harness.ts';
import { exportSpans, makeExporter, otelJson, recordRichTrace } from '../src/otel.ts';

describe.each([
  ['local disk', () => ({})],
  ['S3 (s3rver)', () => {
    const s3 = s3TestConfig();
    return { 'storage.backend': 's3', 'storage.s3.bucket': s3.bucket, 'storage.s3.endpoint': s3.endpoint, 'storage.s3.region': s3.region, 'storage.s3.prefix': s3.prefix, 'storage.s3.force-path-style': true, 'storage.s3.access-key-id': s3.accessKeyId, 'storage.s3.secret-access-key': s3.secretAccessKey } as Partial<Config>;
  }],
] as const)('blocks on %s', (_name, storage) => {
  let sb: TestSpanbase;
  beforeAll(async () => {
    sb = await startTestSpanbase({ ...FAST_FLUSH, ...storage() });
  });
  afterAll(() => sb?.stop());

  it('returns every field of traces flushed into blocks', async () => {
    const traces = [recordRichTrace('orders'), recordRichTrace('payments')];
    for (const [i, spans] of traces.entries()) {
      const exporter = makeExporter(i === 0 ? 'proto' : 'grpc', sb);
      expect((await exportSpans(exporter, spans)).code).toBe(0);
      await exporter.shutdown();
    }
    await waitForFlush(sb);
    for (const spans of traces) {
      const traceId = spans[0].spanContext().traceId;
      const expected = canonicalSpans(otelJson(spans).resourceSpans, 'hex', traceId);
      const v1 = await fetch(`${sb.api}/api/traces/${traceId}`);
      expect(v1.status).toBe(200);
      expect(canonicalSpans(((await v1.json()) as { batches: unknown }).batches, 'base64')).toEqual(expected);
      const v2 = await fetch(`${sb.api}/api/v2/traces/${traceId}`);
      expect(canonicalSpans(((await v2.json()) as { trace: { resourceSpans: unknown } }).trace.resourceSpans, 'base64')).toEqual(expected);
    }
  });
});
