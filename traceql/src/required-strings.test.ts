import { describe, expect, it } from 'vitest';
import { planSearch } from './conditions.ts';
import { parseOrThrow } from './parse.ts';
import { requiredStrings } from './required-strings.ts';

const required = (q: string) => {
  const ast = parseOrThrow(q);
  if (ast.body.kind !== 'pipeline') throw new Error('not a search');
  return requiredStrings(planSearch(ast.body, 0n, 0n).request);
};

describe('requiredStrings', () => {
  it('takes every string equality a span must meet, on attributes of any scope and the verbatim intrinsics', () => {
    expect(required('{ span.user.id = "u-7" }')).toEqual({ every: true, values: ['u-7'] });
    expect(required('{ resource.service.name = "pay" && name = "GET /" && status = error }')).toEqual({ every: true, values: ['pay', 'GET /'] });
    expect(required('{ .env = "prod" && event:name = "exception" && instrumentation:name = "otel" }')).toEqual({ every: true, values: ['prod', 'exception', 'otel'] });
    expect([...(required('{ statusMessage = "boom" && trace:rootService = "edge" }')?.values ?? [])].sort()).toEqual(['boom', 'edge']);
  });

  it('takes a disjunction only when every branch pins a string', () => {
    expect(required('{ name = "a" || span.k = "b" }')).toEqual({ every: false, values: ['a', 'b'] });
    expect(required('{ name = "a" || duration > 1s }')).toBeUndefined();
    expect(required('{ name = "a" } || { name = "b" }')).toEqual({ every: false, values: ['a', 'b'] });
  });

  it('pins nothing for other comparisons, non-strings and ids (spelled in hex, held as bytes)', () => {
    for (const q of ['{}', '{ status = error }', '{ name != "a" }', '{ name =~ "a.*" }', '{ span.code = 500 }', '{ span.ok = true }', '{ trace:id = "0af7651916cd43dd8448eb211c80319c" }', '{ span:id = "b7ad6b7169203331" }', '{ kind = server }']) {
      expect(required(q), q).toBeUndefined();
    }
  });
});
