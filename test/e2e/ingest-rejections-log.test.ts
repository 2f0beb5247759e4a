// Rejected OTLP requests show in the server's log (at warn, rate-limited per kind), so an
// operator can see why a client's spans are missing: a bad body (400) and a wrong content type
// (415) over OTLP/HTTP, a bad body over OTLP/gRPC, each logged once however often the client
// retries.
import { encodeTracesData } from '@spanbase/otlp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { grpcExport } from '../src/otlp-client.ts';
import { spawnSpanbase, tempDir } from '../src/harness.ts';
import type { ChildSpanbase } from '../src/harness.ts';
import { request, span } from '../src/spans.ts';

type LogLine = { level: number; msg: string; status?: number; code?: string; protocol?: string };

function rejectedLines(sb: ChildSpanbase): LogLine[] {
  return sb
    .output()
    .split('\n')
    .filter((l) => l.startsWith('{'))
    .map((l) => JSON.parse(l) as LogLine)
    .filter((l) => l.msg.startsWith('OTLP request rejected'));
}

describe('rejected OTLP requests', () => {
  let sb: ChildSpanbase;
  beforeAll(async () => {
    sb = await spawnSpanbase(tempDir('sb-rejections-'));
  });
  afterAll(async () => {
    sb?.proc.kill('SIGTERM');
    await sb?.exited;
  });

  it('are logged at warn with status, code and message, once per kind', async () => {
    const badId = encodeTracesData(request([span({ traceId: new Uint8Array(15).fill(1) })]));
    for (let i = 0; i < 5; i++) {
      expect((await fetch(sb.otlpHttp, { method: 'POST', body: badId, headers: { 'content-type': 'application/x-protobuf' } })).status).toBe(400);
      expect((await fetch(sb.otlpHttp, { method: 'POST', body: '{}', headers: { 'content-type': 'text/plain' } })).status).toBe(415);
      expect((await grpcExport(sb.otlpGrpc, badId)).code).toBe(3); // INVALID_ARGUMENT
    }
    await new Promise((r) => setTimeout(r, 200)); // the log lines reach the pipe
    const lines = rejectedLines(sb);
    expect(lines.map((l) => [l.level, l.protocol, l.status])).toEqual([
      [40, 'http', 400],
      [40, 'http', 415],
      [40, 'grpc', 400],
    ]);
    expect(lines[0].code).toBe('OTLP_ERR_BAD_TRACE_ID');
    expect(lines[0].msg).toMatch(/^OTLP request rejected with 400: .*trace_id.*16 bytes/);
    expect(lines[1].msg).toContain('unsupported Content-Type "text/plain"');
  });
});
