// The docs list every metric Spanbase exports, in the Metrics tables of docs/operations.md and
// (the compactor's) docs/compaction.md: each name registered in the sources (string literals
// `'spanbase_...'` outside tests) and each one a running `all` process serves on /metrics must
// have a row, and every metric the tables name must exist.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { REPO_ROOT, startTestSpanbase } from '../src/harness.ts';
import { sourceFiles } from '../src/sources.ts';
import type { TestSpanbase } from '../src/harness.ts';

/** Metric names written in the sources. */
function registered(): Set<string> {
  const out = new Set<string>();
  for (const file of sourceFiles()) {
    for (const m of readFileSync(file, 'utf8').matchAll(/['"`](spanbase_[a-z0-9_]+)['"`]/g)) out.add(m[1]);
  }
  return out;
}

/** Metric names in the rows of the Metrics tables of docs/operations.md and docs/compaction.md. */
function documented(): Set<string> {
  const out = new Set<string>();
  for (const file of ['operations.md', 'compaction.md']) {
    const doc = readFileSync(join(REPO_ROOT, 'docs', file), 'utf8');
    const at = doc.indexOf('\n## Metrics\n');
    expect(at, `docs/${file} has a Metrics section`).toBeGreaterThanOrEqual(0);
    const next = doc.indexOf('\n## ', at + 1);
    const section = doc.slice(at, next < 0 ? undefined : next);
    for (const line of section.split('\n').filter((l) => l.startsWith('| `spanbase_'))) {
      const firstCell = line.split(' | ')[0];
      for (const m of firstCell.matchAll(/`(spanbase_[a-z0-9_]+)/g)) out.add(m[1]);
    }
  }
  return out;
}

describe('docs/operations.md metrics', () => {
  const inCode = registered();
  const inDoc = documented();
  let sb: TestSpanbase;
  beforeAll(async () => {
    sb = await startTestSpanbase();
  });
  afterAll(() => sb?.stop());

  it('finds the metrics', () => {
    expect(inCode.size).toBeGreaterThan(30);
    expect(inDoc.size).toBeGreaterThan(30);
  });

  it('lists every metric the sources register, and no other', () => {
    expect([...inCode].filter((m) => !inDoc.has(m)), 'registered but in neither table').toEqual([]);
    expect([...inDoc].filter((m) => !inCode.has(m)), 'documented but registered nowhere').toEqual([]);
  });

  it('lists every metric a running process serves', async () => {
    const text = await (await fetch(`${sb.api}/metrics`)).text();
    const served = [...text.matchAll(/^# HELP (spanbase_[a-z0-9_]+) /gm)].map((m) => m[1]);
    expect(served.length).toBeGreaterThan(20);
    expect(served.filter((m) => !inDoc.has(m))).toEqual([]);
  });
});
