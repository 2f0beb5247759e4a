// The linear-time matcher against V8's RegExp on random RE2 patterns and inputs. Both read the
// same parse (printed back as a JavaScript pattern for V8), so this checks the program, the
// required-literal search and the lazy DFA: alternation, repetition, empty loops, assertions,
// folding, astral code points, and a state cache that keeps being dropped.
import { describe, expect, it } from 'vitest';
import { DfaMatcher } from './regex-dfa.ts';
import { compileRegex } from './regex.ts';
import { compileProgram } from './regex-program.ts';
import { parseRe2 } from './regex-syntax.ts';
import type { ReNode } from './regex-syntax.ts';
import { pick, rng } from './testing/random-queries.ts';

/** The JavaScript pattern (flag `u`) that means what `node` means in RE2. */
function toJs(node: ReNode): string {
  switch (node.k) {
    case 'empty':
      return '(?:)';
    case 'char': {
      const s = node.spec;
      if (s.kind === 'cp') return `\\u{${s.cp.toString(16)}}`;
      if (s.kind === 'any') return '[^]';
      if (s.kind === 'notNL') return '[^\\n]';
      return s.flags.includes('i') ? `(?i:${s.source})` : s.source;
    }
    case 'assert':
      return { beginText: '^', endText: '$', beginLine: '(?<![^\\n])', endLine: '(?![^\\n])', wordBoundary: '\\b', notWordBoundary: '\\B' }[node.kind];
    case 'cat':
      return node.xs.map((x) => `(?:${toJs(x)})`).join('');
    case 'alt':
      return `(?:${node.xs.map(toJs).join('|')})`;
    case 'repeat':
      return `(?:${toJs(node.x)}){${node.min},${node.max < 0 ? '' : node.max}}`;
    default: {
      const never: never = node;
      return never;
    }
  }
}

const ATOMS = ['a', 'b', 'A', '.', '[ab]', '[^a]', '\\w', '\\s', '\\pL', 'é', '😀', '-', '\\n', '^', '$', '\\b', '\\B', '\\A', '\\z', '(?i:a)', '(?s:.)', '[[:upper:]]'];
const FLAGS = ['', '', '', '(?i)', '(?m)', '(?s)', '(?im)'];

function randomPattern(r: () => number, depth: number): string {
  const k = r();
  if (depth <= 0 || k < 0.3) return pick(r, ATOMS);
  if (k < 0.5) return randomPattern(r, depth - 1) + randomPattern(r, depth - 1);
  if (k < 0.65) return `${randomPattern(r, depth - 1)}|${randomPattern(r, depth - 1)}`;
  if (k < 0.75) return `(${randomPattern(r, depth - 1)})`;
  if (k < 0.8) return `${pick(r, FLAGS)}${randomPattern(r, depth - 1)}`;
  return `(${randomPattern(r, depth - 1)})${pick(r, ['*', '+', '?', '{2}', '{1,3}', '{0,}', '*?'])}`;
}

const INPUT_CHARS = ['a', 'a', 'b', 'A', 'é', '😀', '-', ' ', '\n'];

function randomInput(r: () => number): string {
  let s = '';
  const n = Math.floor(r() * 9);
  for (let i = 0; i < n; i++) s += pick(r, INPUT_CHARS);
  return s;
}

function check(seed: number, maxStates: number | undefined): void {
  const r = rng(seed);
  let compared = 0;
  for (let p = 0; p < 300; p++) {
    const pattern = FLAGS[p % FLAGS.length] + randomPattern(r, 4);
    const node = parseRe2(pattern);
    const oracle = new RegExp(`^(?:${toJs(node)})$`, 'u');
    // The public matcher (which also searches for a required literal first), or the bare DFA.
    const dfa = maxStates === undefined ? compileRegex(pattern) : new DfaMatcher(compileProgram(node), maxStates);
    for (let i = 0; i < 40; i++) {
      const input = randomInput(r);
      const want = oracle.test(input);
      if (dfa.test(input) !== want) expect.fail(`${JSON.stringify(pattern)} on ${JSON.stringify(input)}: want ${want}`);
      compared++;
    }
  }
  expect(compared).toBe(12_000);
}

describe('linear-time matcher against V8 on random patterns', () => {
  it.each([1, 2, 3])('agrees (seed %i)', (seed) => check(seed, undefined));
  it.each([4, 5])('agrees when its state cache keeps being dropped (seed %i)', (seed) => check(seed, 2));
});
