// docs/operations.md lists every metric Spanbase exports: each name registered in the sources
// (string literals `'spanbase_...'` outside tests) and each one a running `all` process serves
// on /metrics must have a row in its Metrics table, and every metric the table names must exist.
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

/** Metric names in the rows of docs/operations.md's Metrics table. */
function documented(): Set<string> {
  const doc = readFileSync(join(REPO_ROOT, 'docs', 'operations.md'), 'utf8');
  const section = doc.slice(doc.indexOf('\n## Metrics\n'), doc.indexOf('\n## ', doc.indexOf('\n## Metrics\n') + 1));
  const out = new Set<string>();
  for (const line of section.split('\n').filter((l) => l.startsWith('| `spanbase_'))) {
    const firstCell = line.split(' | ')[0];
    for (const m of firstCell.matchAll(/`(spanbase_[a-z0-9_]+)/g)) out.add(m[1]);
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
    expect([...inCode].filter((m) => !inDoc.has(m)), 'registered but not in docs/operations.md').toEqual([]);
    expect([...inDoc].filter((m) => !inCode.has(m)), 'in docs/operations.md but registered nowhere').toEqual([]);
  });

  it('lists every metric a running process serves', async () => {
    const text = await (await fetch(`${sb.api}/metrics`)).text();
    const served = [...text.matchAll(/^# HELP (spanbase_[a-z0-9_]+) /gm)].map((m) => m[1]);
    expect(served.length).toBeGreaterThan(20);
    expect(served.filter((m) => !inDoc.has(m))).toEqual([]);
  });
});
