import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { CORPORA, REQUIRE_CORPUS_ENV, checkCorpus } from './corpus.ts';

function sharedDir(withCorpus: boolean): string {
  const dir = mkdtempSync(join(tmpdir(), 'sb-shared-'));
  if (withCorpus) {
    for (const c of CORPORA) {
      mkdirSync(dirname(join(dir, c.path)), { recursive: true });
      writeFileSync(join(dir, c.path), '{}');
    }
  }
  return dir;
}

describe('checkCorpus', () => {
  it('finds the corpus beside the repository', () => {
    const dir = sharedDir(true);
    expect(checkCorpus({}, dir)).toEqual({ dir });
    expect(checkCorpus({ [REQUIRE_CORPUS_ENV]: '1' }, dir)).toEqual({ dir });
  });

  it('without it, names the skipped tests and how to run them', () => {
    const check = checkCorpus({}, sharedDir(false));
    expect(check.dir).toBeNull();
    expect(check.notice).toContain('traceql/src/conformance.test.ts');
    expect(check.notice).toContain('next to this repository');
    expect(check.notice).toContain(`${REQUIRE_CORPUS_ENV}=1`);
  });

  it('fails when the corpus is required (CI) and missing', () => {
    expect(() => checkCorpus({ [REQUIRE_CORPUS_ENV]: '1' }, sharedDir(false))).toThrow(/SPANBASE_REQUIRE_CORPUS=1 but a test corpus is missing: traceql\/src\/conformance.test.ts/);
  });
});
