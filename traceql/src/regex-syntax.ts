// TraceQL regexes are RE2 (Go's regexp), so this parser reads RE2 syntax into a small tree that
// regex-program.ts compiles for the linear-time matcher. Flags `(?ims)` last to the end of the
// enclosing group (across `|`, as in RE2). What RE2 rejects (backreferences, lookaround, nested
// repetition operators, counts over 1000) is rejected here with a message saying so.
//
// A character-matching leaf keeps a JavaScript class source for anything beyond a plain code
// point: `\pL`, POSIX classes, `(?i)` folding and bracket classes are then decided per code point
// by V8 on a one-character string, which cannot backtrack, and those answers are cached.

/** How one input code point is tested. */
export type CharSpec =
  | { readonly kind: 'cp'; readonly cp: number } // exactly this code point
  | { readonly kind: 'any' } // any code point (`.` under `(?s)`, `\C`)
  | { readonly kind: 'notNL' } // any but `\n` (`.`)
  | { readonly kind: 'js'; readonly source: string; readonly flags: string }; // one-character JavaScript regex

/** Zero-width assertions. Text anchors hold at the ends of the input, line anchors also around `\n`. */
export type AssertKind = 'beginText' | 'endText' | 'beginLine' | 'endLine' | 'wordBoundary' | 'notWordBoundary';

/** The parsed pattern. Groups leave no node: captures do not change whether a string matches. */
export type ReNode =
  | { readonly k: 'empty' }
  | { readonly k: 'char'; readonly spec: CharSpec }
  | { readonly k: 'assert'; readonly kind: AssertKind }
  | { readonly k: 'cat'; readonly xs: readonly ReNode[] }
  | { readonly k: 'alt'; readonly xs: readonly ReNode[] }
  | { readonly k: 'repeat'; readonly x: ReNode; readonly min: number; readonly max: number }; // max -1: unbounded

/** RE2's limit on `{n,m}` counts. */
export const MAX_REPEAT = 1000;
/** RE2's limit on group nesting (the parser and compiler recurse once per level). */
export const MAX_NESTING = 1000;

const POSIX: Record<string, string> = {
  alnum: '0-9A-Za-z', alpha: 'A-Za-z', ascii: '\\x00-\\x7f', blank: '\\t ', cntrl: '\\x00-\\x1f\\x7f', digit: '0-9',
  graph: '!-~', lower: 'a-z', print: ' -~', punct: '!-\\/:-@\\[-`{-~', space: '\\t\\n\\v\\f\\r ', upper: 'A-Z',
  word: '0-9A-Za-z_', xdigit: '0-9A-Fa-f',
};
// RE2's Perl classes are ASCII: `\s` is not JavaScript's Unicode whitespace.
const PERL_IN_CLASS: Record<string, string> = { s: '\\t\\n\\f\\r ', d: '0-9', w: '0-9A-Za-z_' };
const JS_SYNTAX = new Set('^$\\.*+?()[]{}|/-'.split(''));
const CATEGORIES = /^(?:L[ultmo]?|M[nce]?|N[dlo]?|P[cdseifo]?|S[mcko]?|Z[slp]?|C[cfson]?)$/;
const SIMPLE_ESCAPES: Record<string, number> = { n: 10, t: 9, r: 13, f: 12, v: 11, a: 7 };
const CAPTURE_NAME = /^[A-Za-z0-9_]+$/;

interface Flags {
  i: boolean;
  m: boolean;
  s: boolean;
}

/** A JavaScript source that matches exactly code point `cp`, inside or outside a class. */
function jsChar(cp: number): string {
  const ch = String.fromCodePoint(cp);
  if (JS_SYNTAX.has(ch)) return '\\' + ch;
  return cp < 0x20 || cp > 0x7e ? `\\u{${cp.toString(16)}}` : ch;
}

/** Whether `(?i)` can change what code point `cp` matches. */
function folds(cp: number): boolean {
  if (cp < 0x80) return (cp >= 0x41 && cp <= 0x5a) || (cp >= 0x61 && cp <= 0x7a);
  return true;
}

/** Parses RE2 pattern `pattern`. Throws an Error saying what is wrong when RE2 would reject it. */
export function parseRe2(pattern: string): ReNode {
  return new Parser(pattern).parse();
}

class Parser {
  private pos = 0;
  private depth = 0;
  private readonly names = new Set<string>();
  private readonly p: string;

  constructor(p: string) {
    this.p = p;
  }

  parse(): ReNode {
    const node = this.alternation({ i: false, m: false, s: false });
    if (this.pos < this.p.length) throw new Error('unexpected )');
    return node;
  }

  /** Alternatives up to a `)` or the end. Flag changes in one alternative carry into the next. */
  private alternation(outer: Flags): ReNode {
    const flags = { ...outer };
    const alts: ReNode[] = [this.concatenation(flags)];
    while (this.p[this.pos] === '|') {
      this.pos++;
      alts.push(this.concatenation(flags));
    }
    return alts.length === 1 ? alts[0] : { k: 'alt', xs: alts };
  }

  private concatenation(flags: Flags): ReNode {
    const items: ReNode[] = [];
    // Whether the last item is a repetition (RE2 rejects `a**`) and whether it may be repeated.
    let lastRepeated = false;
    let repeatable = false;
    for (;;) {
      const ch = this.p[this.pos];
      if (ch === undefined || ch === '|' || ch === ')') break;
      const count = ch === '{' ? /^\{(\d+)(?:(,)(\d*))?\}/.exec(this.p.slice(this.pos)) : null;
      if (ch === '*' || ch === '+' || ch === '?' || count) {
        const op = count ? count[0] : ch;
        if (lastRepeated) throw new Error(`invalid nested repetition operator: ${op}`);
        if (!repeatable) throw new Error(`missing argument to repetition operator: ${op}`);
        let min = ch === '+' ? 1 : 0;
        let max = ch === '?' ? 1 : -1;
        if (count) {
          min = Number(count[1]);
          max = count[2] === undefined ? min : count[3] === '' ? -1 : Number(count[3]);
          if (min > MAX_REPEAT || max > MAX_REPEAT || (max >= 0 && max < min)) throw new Error(`invalid repeat count: ${op}`);
        }
        this.pos += op.length;
        if (this.p[this.pos] === '?') this.pos++; // non-greedy: the same strings match
        items.push({ k: 'repeat', x: items.pop()!, min, max });
        lastRepeated = true;
        continue;
      }
      lastRepeated = false;
      if (ch === '(' && this.flagGroup(flags)) {
        repeatable = false;
        continue;
      }
      if (ch === '\\' && this.p[this.pos + 1] === 'Q') {
        // Quoted text is a run of literals: a following `*` repeats only the last one.
        const quoted = this.quote(flags);
        items.push(...quoted);
        repeatable = quoted.length > 0;
        continue;
      }
      const item = this.atom(flags);
      items.push(item);
      repeatable = ch === '(' || item.k !== 'assert'; // RE2 repeats groups, not bare assertions
    }
    if (items.length === 0) return { k: 'empty' };
    return items.length === 1 ? items[0] : { k: 'cat', xs: items };
  }

  /** `(?flags)`: changes `flags` for the rest of the group. Returns false for any other `(`. */
  private flagGroup(flags: Flags): boolean {
    const m = /^\(\?([a-zA-Z]*)(?:-([a-zA-Z]*))?\)/.exec(this.p.slice(this.pos));
    if (!m) return false;
    Object.assign(flags, this.parseFlags(flags, m[1], m[2]));
    this.pos += m[0].length;
    return true;
  }

  private parseFlags(base: Flags, on: string, off: string | undefined): Flags {
    if (!on && !off) throw new Error('missing flags in group');
    if (off === '') throw new Error('missing flags after -');
    const out = { ...base };
    for (const [set, value] of [[on, true], [off ?? '', false]] as const) {
      for (const f of set) {
        if (f === 'U') throw new Error('the U flag is not supported');
        if (f !== 'i' && f !== 'm' && f !== 's') throw new Error(`unknown flag ${f}`);
        out[f] = value;
      }
    }
    return out;
  }

  /** `\Q...\E`: the literals up to `\E` or the end. */
  private quote(flags: Flags): ReNode[] {
    const end = this.p.indexOf('\\E', this.pos + 2);
    const text = end < 0 ? this.p.slice(this.pos + 2) : this.p.slice(this.pos + 2, end);
    this.pos = end < 0 ? this.p.length : end + 2;
    return [...text].map((c) => this.literal(c.codePointAt(0)!, flags));
  }

  /** One item of a concatenation. */
  private atom(flags: Flags): ReNode {
    const ch = this.p[this.pos];
    switch (ch) {
      case '(':
        return this.group(flags);
      case '[':
        return this.charClass(flags);
      case '.':
        this.pos++;
        return { k: 'char', spec: flags.s ? { kind: 'any' } : { kind: 'notNL' } };
      case '^':
        this.pos++;
        return { k: 'assert', kind: flags.m ? 'beginLine' : 'beginText' };
      case '$':
        this.pos++;
        return { k: 'assert', kind: flags.m ? 'endLine' : 'endText' };
      case '\\':
        return this.escape(flags);
      default: {
        const cp = this.p.codePointAt(this.pos)!;
        this.pos += cp > 0xffff ? 2 : 1;
        return this.literal(cp, flags);
      }
    }
  }

  private literal(cp: number, flags: Flags): ReNode {
    if (flags.i && folds(cp)) return { k: 'char', spec: { kind: 'js', source: jsChar(cp), flags: 'iu' } };
    return { k: 'char', spec: { kind: 'cp', cp } };
  }

  private group(flags: Flags): ReNode {
    const rest = this.p.slice(this.pos);
    if (/^\(\?<?[=!]/.test(rest)) throw new Error('lookaround is not supported');
    let inner = flags;
    const named = /^\(\?P?<([^>]*)>/.exec(rest);
    const scoped = /^\(\?([a-zA-Z]*)(?:-([a-zA-Z]*))?:/.exec(rest);
    if (named) {
      if (!CAPTURE_NAME.test(named[1])) throw new Error(`invalid capture group name: ${named[1]}`);
      if (this.names.has(named[1])) throw new Error(`duplicate capture group name: ${named[1]}`);
      this.names.add(named[1]);
      this.pos += named[0].length;
    } else if (scoped) {
      if (scoped[1] || scoped[2] !== undefined) inner = this.parseFlags(flags, scoped[1], scoped[2]);
      this.pos += scoped[0].length;
    } else if (rest.startsWith('(?')) {
      throw new Error('invalid or unsupported group syntax');
    } else {
      this.pos++;
    }
    if (++this.depth > MAX_NESTING) throw new Error(`expression nests too deeply (over ${MAX_NESTING} groups)`);
    const node = this.alternation(inner);
    this.depth--;
    if (this.p[this.pos] !== ')') throw new Error('missing closing )');
    this.pos++;
    return node;
  }

  private charClass(flags: Flags): ReNode {
    let i = this.pos + 1;
    let out = '[';
    if (this.p[i] === '^') {
      out += '^';
      i++;
    }
    let first = true;
    for (;;) {
      const ch = this.p[i];
      if (ch === undefined) throw new Error('missing closing ]');
      if (ch === ']' && !first) break;
      first = false;
      if (ch === '[' && this.p[i + 1] === ':') {
        const end = this.p.indexOf(':]', i + 2);
        const name = end > 0 ? this.p.slice(i + 2, end) : '';
        if (!(name in POSIX)) throw new Error(`unknown class [:${name}:]`);
        out += POSIX[name];
        i = end + 2;
      } else if (ch === '\\') {
        const e = this.classEscape(i);
        out += e.text;
        i += e.used;
      } else {
        const cp = this.p.codePointAt(i)!;
        out += ch === '-' ? '-' : jsChar(cp);
        i += cp > 0xffff ? 2 : 1;
      }
    }
    this.pos = i + 1;
    const source = out + ']';
    try {
      new RegExp(source, 'u');
    } catch (err) {
      // V8 says "Invalid regular expression: /[z-a]/u: Range out of order in character class".
      const text = (err as Error).message;
      throw new Error(text.slice(text.lastIndexOf(': ') + 2).toLowerCase(), { cause: err });
    }
    return { k: 'char', spec: { kind: 'js', source, flags: flags.i ? 'iu' : 'u' } };
  }

  private classEscape(i: number): { text: string; used: number } {
    const e = this.p[i + 1];
    if (e === 's' || e === 'd' || e === 'w') return { text: PERL_IN_CLASS[e], used: 2 };
    if (e === 'S' || e === 'D' || e === 'W') throw new Error(`\\${e} inside a class is not supported`);
    if (e === 'p' || e === 'P') {
      const u = this.unicodeClass(i);
      return { text: u.source, used: u.used };
    }
    if (e === 'Q' || e === 'z' || e === 'A' || e === 'C' || e === 'b' || e === 'B') throw new Error(`\\${e} inside a class is not supported`);
    const c = this.codePointEscape(i);
    return { text: jsChar(c.cp), used: c.used };
  }

  private escape(flags: Flags): ReNode {
    const i = this.pos;
    const e = this.p[i + 1];
    const asserts: Record<string, AssertKind> = { A: 'beginText', z: 'endText', b: 'wordBoundary', B: 'notWordBoundary' };
    if (e !== undefined && e in asserts) {
      this.pos += 2;
      return { k: 'assert', kind: asserts[e] };
    }
    if (e === 'C') {
      this.pos += 2;
      return { k: 'char', spec: { kind: 'any' } };
    }
    const fold = flags.i ? 'iu' : 'u';
    if (e !== undefined && 'sdwSDW'.includes(e)) {
      this.pos += 2;
      const base = PERL_IN_CLASS[e.toLowerCase()];
      return { k: 'char', spec: { kind: 'js', source: e === e.toLowerCase() ? `[${base}]` : `[^${base}]`, flags: fold } };
    }
    if (e === 'p' || e === 'P') {
      const u = this.unicodeClass(i);
      this.pos += u.used;
      return { k: 'char', spec: { kind: 'js', source: u.source, flags: fold } };
    }
    const c = this.codePointEscape(i);
    this.pos += c.used;
    return this.literal(c.cp, flags);
  }

  /** `\pL`, `\p{Greek}`, `\P{^L}`: a JavaScript `\p{...}` source. */
  private unicodeClass(i: number): { source: string; used: number } {
    const m = /^\{(\^?)([A-Za-z_]+)\}|^([A-Za-z])/.exec(this.p.slice(i + 2));
    if (!m) throw new Error('invalid character class');
    const negated = (m[1] === '^') !== (this.p[i + 1] === 'P');
    const name = m[2] ?? m[3];
    const source = `\\${negated ? 'P' : 'p'}{${CATEGORIES.test(name) ? name : `Script=${name}`}}`;
    try {
      new RegExp(source, 'u');
    } catch (err) {
      throw new Error(`invalid character class range: ${name}`, { cause: err });
    }
    return { source, used: 2 + m[0].length };
  }

  /** An escape that stands for one code point: `\n`, `\x41`, `\x{263a}`, `\101`, `\.`. */
  private codePointEscape(i: number): { cp: number; used: number } {
    const p = this.p;
    const e = p[i + 1];
    if (e === undefined) throw new Error('trailing backslash');
    if (e in SIMPLE_ESCAPES) return { cp: SIMPLE_ESCAPES[e], used: 2 };
    if (e === 'x') {
      const brace = /^\{([0-9a-fA-F]+)\}/.exec(p.slice(i + 2));
      const cp = brace ? parseInt(brace[1], 16) : NaN;
      if (brace && cp <= 0x10ffff) return { cp, used: 2 + brace[0].length };
      const two = /^[0-9a-fA-F]{2}/.exec(p.slice(i + 2));
      if (!two || brace) throw new Error('invalid \\x escape');
      return { cp: parseInt(two[0], 16), used: 4 };
    }
    if (e >= '0' && e <= '7') {
      const m = /^[0-7]{1,3}/.exec(p.slice(i + 1))!;
      if (m[0].length === 1 && e !== '0') throw new Error('backreferences are not supported');
      return { cp: parseInt(m[0], 8), used: 1 + m[0].length };
    }
    if (e === '8' || e === '9') throw new Error('backreferences are not supported');
    const cp = p.codePointAt(i + 1)!;
    if (cp < 0x80 && /[A-Za-z0-9]/.test(e)) throw new Error(`invalid escape \\${e}`);
    return { cp, used: 1 + (cp > 0xffff ? 2 : 1) };
  }
}
