// docs/errors.md lists every named error with its status, and named errors are declared only in
// each package's errors.ts (house style: one catalogue per package).
import { readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';
import { REPO_ROOT } from '../src/harness.ts';
import { sourceFiles } from '../src/sources.ts';

function declared(): Map<string, { status: number; file: string }> {
  const out = new Map<string, { status: number; file: string }>();
  for (const file of sourceFiles()) {
    const text = readFileSync(file, 'utf8');
    for (const m of text.matchAll(/createError\(\s*'([A-Z0-9_]+)'\s*,\s*(\d{3})\s*\)/g)) out.set(m[1], { status: Number(m[2]), file: relative(REPO_ROOT, file) });
  }
  return out;
}

describe('docs/errors.md', () => {
  const codes = declared();
  const doc = readFileSync(join(REPO_ROOT, 'docs', 'errors.md'), 'utf8');
  const rows = new Map([...doc.matchAll(/^\| `([A-Z0-9_]+)` \| (\d{3}) \|/gm)].map((m) => [m[1], Number(m[2])]));

  it('finds the error declarations', () => {
    expect(codes.size).toBeGreaterThan(30);
  });

  it('lists every declared code with its status', () => {
    const problems: string[] = [];
    for (const [code, { status, file }] of codes) {
      if (!rows.has(code)) problems.push(`${code} (${file}) is not in docs/errors.md`);
      else if (rows.get(code) !== status) problems.push(`${code}: docs say ${rows.get(code)}, ${file} says ${status}`);
    }
    for (const code of rows.keys()) if (!codes.has(code)) problems.push(`${code} is documented but not declared anywhere`);
    expect(problems).toEqual([]);
  });

  it('declares codes only in errors.ts files', () => {
    const elsewhere = [...codes.values()].map((c) => c.file).filter((f) => !f.endsWith('/errors.ts'));
    expect(elsewhere).toEqual([]);
  });
});
