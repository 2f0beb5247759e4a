// Regex matching takes time linear in the input on the patterns that make backtracking engines
// (V8's RegExp among them) take exponential time. Counted, not timed: the matcher reports the
// instructions it visits, and the input length is the rest of its work.
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { describe, expect, it } from 'vitest';
import { DfaMatcher } from './regex-dfa.ts';
import { compileProgram } from './regex-program.ts';
import { parseRe2 } from './regex-syntax.ts';
import { rng } from './testing/random-queries.ts';

/** The classic pathological patterns, each with an input family that makes it fail slowly. */
const PATHOLOGICAL: readonly [string, (n: number) => string][] = [
  ['(a+)+$', (n) => 'a'.repeat(n) + '!'],
  ['(a|a)*b', (n) => 'a'.repeat(n)],
  ['(a*)*b', (n) => 'a'.repeat(n)],
  ['(x+x+)+y', (n) => 'x'.repeat(n)],
  ['(a|aa)+$', (n) => 'a'.repeat(n) + '!'],
  ['(.*a){12}', (n) => 'a'.repeat(n) + '!'.repeat(n)],
  ['(\\w+\\s?)+$', (n) => 'word '.repeat(n / 5) + '!'],
  // Not slow for backtracking, but its DFA has 2^21 states: the state cache keeps overflowing.
  ['[ab]*a[ab]{20}', (n) => randomAb(n) + 'b' + 'a'.repeat(20)],
];

function randomAb(n: number): string {
  const r = rng(n);
  let s = '';
  for (let i = 0; i < n; i++) s += r() < 0.5 ? 'a' : 'b';
  return s;
}

/** Work to match `input`: one step per code unit plus the instructions visited building states. */
function work(pattern: string, input: string, maxStates?: number): number {
  const prog = compileProgram(parseRe2(pattern));
  const m = new DfaMatcher(prog, maxStates);
  expect(m.test(input)).toBe(false);
  return input.length + m.work;
}

describe('regex matching is linear in the input', () => {
  it.each(PATHOLOGICAL)('%s: eight times the input costs at most about eight times the work', (pattern, input) => {
    const small = work(pattern, input(1000));
    const large = work(pattern, input(8000));
    expect(large / small).toBeLessThan(8.5);
  });

  it.each(PATHOLOGICAL)('%s: also with no state cache, at most one pass over the program per code point', (pattern, input) => {
    const size = compileProgram(parseRe2(pattern)).op.length;
    for (const n of [1000, 8000]) {
      const w = work(pattern, input(n), 2);
      expect(w).toBeLessThanOrEqual(input(n).length * (3 * size + 1) + 10 * size);
    }
    expect(work(pattern, input(8000), 2) / work(pattern, input(1000), 2)).toBeLessThan(8.5);
  });

  // Through the public contract, in a child process that is killed if it runs past the deadline:
  // a backtracking engine would need longer than the age of the universe for these inputs, this one
  // needs milliseconds, so the generous deadline cannot make the test flaky.
  it('answers the pathological patterns on 100k-character inputs in a separate process within the deadline', async () => {
    const url = pathToFileURL(join(import.meta.dirname, 'regex.ts')).href;
    const cases = PATHOLOGICAL.map(([p, input]) => [p, input(100_000)]);
    // The inputs go in on stdin (too long for a command line); the answers come back on stdout.
    const script = `
      import { compileRegex } from ${JSON.stringify(url)};
      let text = '';
      for await (const chunk of process.stdin) text += chunk;
      console.log(JSON.stringify(JSON.parse(text).map(([p, s]) => compileRegex(p).test(s))));`;
    const result = await new Promise<{ stdout: string; error: Error | null }>((resolve) => {
      const child = execFile(process.execPath, ['--input-type=module', '-e', script], { timeout: 30_000, killSignal: 'SIGKILL', maxBuffer: 1 << 20 }, (error, stdout) => resolve({ stdout, error }));
      child.stdin!.end(JSON.stringify(cases));
    });
    expect(result.error, 'the child did not finish: regex matching backtracks').toBeNull();
    expect(JSON.parse(result.stdout)).toEqual(cases.map(() => false));
  }, 40_000);
});
