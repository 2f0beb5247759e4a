// TraceQL regexes (`=~`, `!~`) are RE2 patterns, as in Tempo, matched against the whole value.
// They run on our own linear-time engine (parser in regex-syntax.ts, program in regex-program.ts,
// lazily built DFA in regex-dfa.ts), never on V8's backtracking RegExp: a pattern such as
// `(a+)+$` would otherwise stop the process on a value of forty `a`s. Why not a package:
// docs/dependencies.md.
import { DfaMatcher } from './regex-dfa.ts';
import { compileProgram } from './regex-program.ts';
import { parseRe2 } from './regex-syntax.ts';
import type { ReNode } from './regex-syntax.ts';

/** A compiled TraceQL regex. */
export interface RegexMatcher {
  /** Whether the whole of `s` matches (the pattern is anchored at both ends). Linear in `s`. */
  test(s: string): boolean;
}

/**
 * The longest run of literal code points that every match contains (`foo` in `.*foo.*`), or ''.
 * Most values a query meets do not match; a substring search (linear, in V8's native code)
 * rejects those before the automaton runs. A pattern that starts with a literal gets none: the
 * automaton already gives up at the first code point that differs, sooner than a search would.
 */
function requiredLiteral(node: ReNode): string {
  const items = node.k === 'cat' ? node.xs : [node];
  if (items[0].k === 'char' && items[0].spec.kind === 'cp') return '';
  return longestLiteral(node);
}

/**
 * The longest run of literal code points every match of `pattern` contains, or '': a value
 * without it cannot match (storage uses it to rule out dictionaries by their bytes). Throws
 * like compileRegex for an invalid pattern.
 */
export function regexLiteral(pattern: string): string {
  return longestLiteral(parseRe2(pattern));
}

function longestLiteral(node: ReNode): string {
  const items = node.k === 'cat' ? node.xs : [node];
  let best = '';
  let run = '';
  for (const x of items) {
    if (x.k === 'char' && x.spec.kind === 'cp') {
      run += String.fromCodePoint(x.spec.cp);
      if (run.length > best.length) best = run;
    } else if (x.k !== 'assert') {
      run = '';
    }
  }
  return best;
}

class Matcher implements RegexMatcher {
  private readonly dfa: DfaMatcher;
  private readonly literal: string;

  constructor(node: ReNode) {
    this.dfa = new DfaMatcher(compileProgram(node));
    this.literal = requiredLiteral(node);
  }

  test(s: string): boolean {
    if (this.literal !== '' && !s.includes(this.literal)) return false;
    return this.dfa.test(s);
  }
}

// Compiled patterns are reused across queries; each holds at most MAX_STATES cached states.
const MAX_CACHED = 256;
const cache = new Map<string, Matcher>();

/** Compiles a TraceQL regex, anchored at both ends. Throws an Error saying why when the pattern is invalid. */
export function compileRegex(pattern: string): RegexMatcher {
  let m = cache.get(pattern);
  if (m === undefined) {
    m = new Matcher(parseRe2(pattern));
    if (cache.size >= MAX_CACHED) cache.clear();
    cache.set(pattern, m);
  }
  return m;
}
