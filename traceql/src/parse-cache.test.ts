// The per-thread parse cache hands back the very AST it built for a text it has seen, keeps a
// bounded number of them (least recently used out first), and never keeps a query that fails.
import { describe, expect, it } from 'vitest';
import { parseOrThrow } from './parse.ts';
import { parseCached } from './parse-cache.ts';

describe('parseCached', () => {
  it('answers a repeated text with the same AST, equal to a fresh parse', () => {
    const text = '{ resource.service.name = "cache-test" && status = error } | count() > 1';
    const first = parseCached(text);
    expect(first).toEqual(parseOrThrow(text));
    expect(parseCached(text)).toBe(first);
    expect(parseCached(`${text} `)).not.toBe(first);
  });

  it('keeps at most 256 queries and drops the least recently used first', () => {
    const a = parseCached('{ span.lru = "a" }');
    const fillers = Array.from({ length: 255 }, (_, i) => parseCached(`{ span.lru = ${i} }`));
    // The cache is full: `a` is the least recently used. Using it makes the first filler so.
    expect(parseCached('{ span.lru = "a" }')).toBe(a);
    parseCached('{ span.lru = "one more" }');
    expect(parseCached('{ span.lru = "a" }')).toBe(a);
    expect(parseCached('{ span.lru = 254 }')).toBe(fillers[254]);
    expect(parseCached('{ span.lru = 0 }')).not.toBe(fillers[0]);
  });

  it('throws for an invalid query every time and keeps nothing for it', () => {
    expect(() => parseCached('{ span.x = ')).toThrow(expect.objectContaining({ code: 'TQL_ERR_PARSE' }));
    expect(() => parseCached('{ span.x = ')).toThrow(expect.objectContaining({ code: 'TQL_ERR_PARSE' }));
  });
});
