// The TraceQL the Jaeger and Zipkin searches become, and the 400s of their parameters.
import { describe, expect, it } from 'vitest';
import { parse } from '@spanbase/traceql';
import { parseJaegerSearch } from '../jaeger/jaeger-params.ts';
import { annotationConds, parseZipkinSearch } from '../zipkin/zipkin-params.ts';

const NOW = 1_700_000_000_000;

describe('Jaeger search parameters', () => {
  it('become one span filter with every condition', () => {
    const p = parseJaegerSearch({ service: 'cart', operation: 'GET /', tags: '{"http.status_code":"500","error":"true","a b":"x"}', tag: 'db.system:redis', minDuration: '1.5ms', maxDuration: '2s', start: '1700000000000000', end: '1700000060000001', limit: '5' }, { defaultLimit: 100, now: NOW });
    expect(p.query).toBe('{ resource.service.name = "cart" && name = "GET /" && .db.system = "redis" && (.http.status_code = "500" || .http.status_code = 500) && status = error && ."a b" = "x" && duration >= 1500000ns && duration <= 2000000000ns }');
    expect(parse(p.query).errors).toEqual([]);
    expect(p).toMatchObject({ limit: 5, startSeconds: 1_700_000_000, endSeconds: 1_700_000_061 });
  });

  it('default to the last hour (or lookback) and Jaeger\'s limit', () => {
    expect(parseJaegerSearch({ service: 's' }, { defaultLimit: 100, now: NOW })).toMatchObject({ limit: 100, startSeconds: NOW / 1000 - 3600, endSeconds: NOW / 1000 });
    expect(parseJaegerSearch({ service: 's', lookback: '2d' }, { defaultLimit: 100, now: NOW }).startSeconds).toBe(NOW / 1000 - 2 * 86400);
  });

  it('fetch trace ids without a service', () => {
    expect(parseJaegerSearch({ traceID: ['ab', 'cd'] }, { defaultLimit: 100, now: NOW }).traceIds).toEqual(['ab', 'cd']);
  });
});

describe('Zipkin search parameters', () => {
  it('become one span filter; durations are microseconds, times milliseconds', () => {
    const p = parseZipkinSearch({ serviceName: 'cart', remoteServiceName: 'db', spanName: 'get', annotationQuery: 'http.path=/x and retried and error', minDuration: '100', maxDuration: '200', endTs: '1700000000500', lookback: '60000', limit: '3' }, NOW);
    expect(p.query).toBe('{ resource.service.name = "cart" && span.peer.service = "db" && name = "get" && .http.path = "/x" && (event:name = "retried" || .retried != nil) && status = error && duration >= 100000ns && duration <= 200000ns }');
    expect(parse(p.query).errors).toEqual([]);
    expect(p).toMatchObject({ limit: 3, startSeconds: 1_699_999_940, endSeconds: 1_700_000_001 });
  });

  it('default to a day back from now, ten traces, and spanName=all means any', () => {
    expect(parseZipkinSearch({ spanName: 'all' }, NOW)).toEqual({ query: '{}', limit: 10, startSeconds: NOW / 1000 - 86400, endSeconds: NOW / 1000 });
  });

  it('quote tag keys that are not plain identifiers', () => {
    expect(annotationConds('my key=v')).toEqual(['."my key" = "v"']);
  });
});
