import { describe, expect, it } from 'vitest';
import type { Logger } from '@spanbase/server';
import { RejectionLog } from './rejection-log.ts';

function capture(): { log: Logger; lines: { obj: Record<string, unknown>; msg: string }[] } {
  const lines: { obj: Record<string, unknown>; msg: string }[] = [];
  return { log: { warn: (obj: Record<string, unknown>, msg: string) => void lines.push({ obj, msg }) } as unknown as Logger, lines };
}

describe('RejectionLog', () => {
  it('logs each kind of rejection at most once per interval, counting the rest', () => {
    const { log, lines } = capture();
    let t = 0;
    const r = new RejectionLog(log, 10_000, () => t);
    const bad = { protocol: 'http', status: 400, code: 'OTLP_ERR_BAD_TRACE_ID', message: 'trace_id must be 16 bytes' };
    r.reject(bad);
    for (let i = 0; i < 50; i++) r.reject(bad);
    r.reject({ protocol: 'http', status: 415, message: 'unsupported Content-Type "text/plain"' });
    expect(lines.map((l) => l.msg)).toEqual(['OTLP request rejected with 400: trace_id must be 16 bytes', 'OTLP request rejected with 415: unsupported Content-Type "text/plain"']);
    t = 10_000;
    r.reject(bad);
    expect(lines[2].msg).toBe('OTLP request rejected with 400: trace_id must be 16 bytes (51 such rejections since the last line)');
    expect(lines[2].obj).toMatchObject({ code: 'OTLP_ERR_BAD_TRACE_ID', rejected: 51 });
  });

  it('leaves out back-pressure and server errors', () => {
    const { log, lines } = capture();
    const r = new RejectionLog(log);
    r.reject({ protocol: 'grpc', status: 429, message: 'over the rate limit' });
    r.reject({ protocol: 'grpc', status: 503, message: 'ingester unreachable' });
    expect(lines).toEqual([]);
  });
});
