// docs/grafana.md lists exactly the requests the contract suite replays, and which are pending.
// After changing requests.ts: SPANBASE_UPDATE_DOCS=1 npx vitest run test/grafana/coverage-doc.test.ts
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { REPO_ROOT } from '../src/harness.ts';
import { COVERAGE_BEGIN, COVERAGE_END, renderCoverageTable } from './coverage-doc.ts';
import { REQUESTS } from './requests.ts';

const DOC = join(REPO_ROOT, 'docs', 'grafana.md');

describe('docs/grafana.md', () => {
  it('lists every replayed Grafana request with its status', () => {
    const text = readFileSync(DOC, 'utf8');
    const a = text.indexOf(COVERAGE_BEGIN);
    const b = text.indexOf(COVERAGE_END);
    expect(a, 'coverage markers in docs/grafana.md').toBeGreaterThanOrEqual(0);
    expect(b).toBeGreaterThan(a);
    const table = renderCoverageTable(REQUESTS);
    if (process.env.SPANBASE_UPDATE_DOCS === '1') {
      writeFileSync(DOC, text.slice(0, a + COVERAGE_BEGIN.length) + '\n' + table + '\n' + text.slice(b));
      return;
    }
    expect(text.slice(a + COVERAGE_BEGIN.length, b).trim()).toBe(table);
  });
});
