// The Tempo conformance corpus (shared/conformance/traceql, read at run time, never copied):
// valid queries parse, type-check and round-trip through the stringifier; invalid ones are
// rejected with a position; unsupported ones are rejected as not supported, or supported on
// purpose (listed below with the reason). Without the corpus (a plain clone) these tests are
// skipped and the run says so; see test/setup/corpus.ts.
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { sharedCorpusDir } from '../../test/setup/corpus.ts';
import { parse } from './parse.ts';
import { stringify } from './stringify.ts';
import { withoutPositions } from './test-helpers.ts';

const sharedDir = sharedCorpusDir();
const corpus = (sharedDir ? JSON.parse(readFileSync(resolve(sharedDir, 'conformance/traceql/queries.json'), 'utf8')) : { valid: [], invalid: [], unsupported: [] }) as {
  valid: string[];
  invalid: string[];
  unsupported: string[];
};

/** Queries Tempo parses but does not run, which Spanbase runs, and why. */
const SUPPORTED_ON_PURPOSE: Record<string, string> = {
  'min(.field) < max(duration)': 'aggregates of one spanset compared with each other: each aggregate is computed over the same spanset',
  'sum(.field) = min(.field)': 'aggregates of one spanset compared with each other',
  'min(.field) + max(.field) > 1': 'arithmetic on aggregates of one spanset',
  'min(.field) + max(span:childCount) > max(duration) - min(.field)': 'arithmetic on aggregates of one spanset',
  'max(1 - (2 + .field)) < avg(3 * duration ^ 2)': 'aggregates of one spanset compared with each other',
  '{ .http.status = 200 } | max(.field) - min(.field) > 3': 'arithmetic on aggregates of one spanset (e.g. a spread of durations)',
  '{ true } | count() + count() = 1': 'arithmetic on aggregates of one spanset',
};

function roundTrips(q: string): void {
  const first = parse(q);
  expect(first.errors, q).toEqual([]);
  const text = stringify(first.ast!);
  const second = parse(text);
  expect(second.errors, text).toEqual([]);
  expect(withoutPositions(second.ast), `${q} → ${text}`).toEqual(withoutPositions(first.ast));
}

describe.skipIf(sharedDir === null)('TraceQL conformance corpus', () => {
  it('has the expected size', () => {
    expect([corpus.valid.length, corpus.invalid.length, corpus.unsupported.length]).toEqual([284, 157, 22]);
  });

  it.each(corpus.valid)('valid: %s', (q) => roundTrips(q));

  it.each(corpus.invalid)('invalid: %s', (q) => {
    const { errors } = parse(q);
    expect(errors.length, q).toBeGreaterThan(0);
    const e = errors[0];
    expect(e.code).not.toBe('TQL_ERR_UNSUPPORTED');
    expect(e.line).toBeGreaterThanOrEqual(1);
    expect(e.column).toBeGreaterThanOrEqual(1);
    expect(e.offset).toBeLessThanOrEqual(q.length);
    expect(e.message).toContain(`at line ${e.line}, column ${e.column}: `);
    expect(e.message.split('\n').at(-1)).toMatch(/^ *\^$/);
  });

  it.each(corpus.unsupported)('unsupported: %s', (q) => {
    if (q in SUPPORTED_ON_PURPOSE) {
      roundTrips(q);
      return;
    }
    const { errors } = parse(q);
    expect(errors.map((e) => e.code)).toContain('TQL_ERR_UNSUPPORTED');
    expect(errors[0].code).toBe('TQL_ERR_UNSUPPORTED');
    expect(errors[0].message).toMatch(/^not supported at line \d+, column \d+: /);
  });

  it('lists only corpus queries as supported on purpose', () => {
    for (const q of Object.keys(SUPPORTED_ON_PURPOSE)) expect(corpus.unsupported).toContain(q);
  });
});
