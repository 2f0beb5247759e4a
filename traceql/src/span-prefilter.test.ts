import { describe, expect, it } from 'vitest';
import { planSearch } from './conditions.ts';
import { parseOrThrow } from './parse.ts';
import { spanTests } from './span-prefilter.ts';

const tests = (q: string) => {
  const ast = parseOrThrow(q);
  if (ast.body.kind !== 'pipeline') throw new Error('not a search');
  return spanTests(planSearch(ast.body, 0n, 0n).request);
};
const str = (value: string) => ({ kind: 'string', value });

describe('spanTests', () => {
  it('takes every string equality a span must meet, on attributes of any scope and the verbatim intrinsics', () => {
    expect(tests('{ span.user.id = "u-7" }')).toEqual({ every: true, tests: [str('u-7')] });
    expect(tests('{ resource.service.name = "pay" && name = "GET /" && status = error }')).toEqual({ every: true, tests: [str('pay'), str('GET /')] });
    expect(tests('{ .env = "prod" && event:name = "exception" && instrumentation:name = "otel" }')).toEqual({ every: true, tests: [str('prod'), str('exception'), str('otel')] });
    expect(tests('{ statusMessage = "boom" && trace:rootService = "edge" }')?.tests).toHaveLength(2);
  });

  it('takes bounds on the span duration', () => {
    expect(tests('{ status = error && duration > 1s }')).toEqual({ every: true, tests: [{ kind: 'duration', op: '>', nanos: 1_000_000_000n }] });
    expect(tests('{ duration <= 5ms && name = "a" }')?.tests).toContainEqual({ kind: 'duration', op: '<=', nanos: 5_000_000n });
  });

  it('takes a disjunction only when every branch gives a test', () => {
    expect(tests('{ name = "a" || span.k = "b" }')).toEqual({ every: false, tests: [str('a'), str('b')] });
    expect(tests('{ name = "a" || duration > 2s }')).toEqual({ every: false, tests: [str('a'), { kind: 'duration', op: '>', nanos: 2_000_000_000n }] });
    expect(tests('{ name = "a" || status = error }')).toBeUndefined();
    expect(tests('{ name = "a" } || { name = "b" }')).toEqual({ every: false, tests: [str('a'), str('b')] });
  });

  it('gives nothing for other comparisons, non-strings, ids (spelled in hex, held as bytes) and the trace duration', () => {
    for (const q of ['{}', '{ status = error }', '{ name != "a" }', '{ name =~ "a.*" }', '{ span.code = 500 }', '{ span.ok = true }', '{ trace:id = "0af7651916cd43dd8448eb211c80319c" }', '{ span:id = "b7ad6b7169203331" }', '{ kind = server }', '{ duration != 1s }', '{ traceDuration > 1s }']) {
      expect(tests(q), q).toBeUndefined();
    }
  });
});
