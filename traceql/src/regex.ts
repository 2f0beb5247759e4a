// TraceQL regexes are RE2 (Go's regexp) and fully anchored. JavaScript's syntax differs, so a
// pattern is translated: `(?flags)` become modifier groups, `(?P<n>` becomes `(?<n>`, POSIX
// classes are expanded, `\Q...\E` is quoted, RE2's ASCII `\s` is kept ASCII, and punctuation
// escapes JavaScript's `u` mode rejects are rewritten. What RE2 rejects (backreferences,
// lookaround) is rejected here too.

const POSIX: Record<string, string> = {
  alnum: '0-9A-Za-z', alpha: 'A-Za-z', ascii: '\\x00-\\x7f', blank: '\\t ', cntrl: '\\x00-\\x1f\\x7f', digit: '0-9',
  graph: '!-~', lower: 'a-z', print: ' -~', punct: '!-\\/:-@\\[-`{-~', space: '\\t\\n\\v\\f\\r ', upper: 'A-Z',
  word: '0-9A-Za-z_', xdigit: '0-9A-Fa-f',
};
const PERL_IN_CLASS: Record<string, string> = { s: '\\t\\n\\f\\r ', d: '0-9', w: '0-9A-Za-z_' };
const JS_SYNTAX = new Set('^$\\.*+?()[]{}|/'.split(''));
const CATEGORIES = /^(?:L[ultmo]?|M[nce]?|N[dlo]?|P[cdseifo]?|S[mcko]?|Z[slp]?|C[cfson]?)$/;

function hex(ch: string): string {
  return '\\u{' + ch.codePointAt(0)!.toString(16) + '}';
}

function quoteLiteral(s: string): string {
  let out = '';
  for (const ch of s) out += JS_SYNTAX.has(ch) || ch === '-' ? '\\' + ch : ch;
  return out;
}

/**
 * Translates an RE2 pattern to a JavaScript one (without anchors) and its flags. Throws when
 * invalid. RE2 flag groups `(?i)` last to the end of the enclosing group; they become
 * JavaScript modifier groups `(?i:...)`, closed before each `|` and reopened after it.
 */
export function translateRe2(pattern: string): { source: string; flags: string } {
  let i = 0;
  let out = '';
  let inClass = false;
  let classStart = false;
  // Per open group: the modifier groups opened by `(?flags)` inside it.
  const modifiers: string[][] = [[]];
  const closeModifiers = () => ')'.repeat(modifiers[modifiers.length - 1].length);
  while (i < pattern.length) {
    const ch = pattern[i];
    if (ch === '\\') {
      const [text, used] = translateEscape(pattern, i, inClass);
      out += text;
      i += used;
      classStart = false;
      continue;
    }
    if (inClass) {
      if (ch === ']' && !classStart) {
        inClass = false;
        out += ']';
      } else if (ch === ']' && classStart) {
        out += '\\]';
      } else if (ch === '[' && pattern[i + 1] === ':') {
        const end = pattern.indexOf(':]', i + 2);
        const name = end > 0 ? pattern.slice(i + 2, end) : '';
        if (!(name in POSIX)) throw new Error(`unknown class [:${name}:]`);
        out += POSIX[name];
        i = end + 2;
        classStart = false;
        continue;
      } else if (ch === '[') {
        out += '\\[';
      } else {
        out += ch;
      }
      classStart = false;
      i++;
      continue;
    }
    switch (ch) {
      case '[':
        inClass = true;
        classStart = true;
        out += '[';
        if (pattern[i + 1] === '^') {
          out += '^';
          i++;
        }
        i++;
        continue;
      case '(': {
        if (pattern.startsWith('(?=', i) || pattern.startsWith('(?!', i) || pattern.startsWith('(?<=', i) || pattern.startsWith('(?<!', i)) {
          throw new Error('lookaround is not supported');
        }
        const flagGroup = /^\(\?([imsU]*)(?:-([imsU]*))?(\)|:)/.exec(pattern.slice(i));
        if (flagGroup && (flagGroup[1] || flagGroup[2])) {
          if ((flagGroup[1] + (flagGroup[2] ?? '')).includes('U')) throw new Error('the U flag is not supported');
          const open = `(?${flagGroup[1]}${flagGroup[2] ? '-' + flagGroup[2] : ''}:`;
          out += open;
          if (flagGroup[3] === ')') modifiers[modifiers.length - 1].push(open);
          else modifiers.push([]);
          i += flagGroup[0].length;
          continue;
        }
        if (pattern.startsWith('(?P<', i)) {
          out += '(?<';
          i += 4;
        } else {
          out += '(';
          i++;
        }
        modifiers.push([]);
        continue;
      }
      case ')':
        if (modifiers.length === 1) throw new Error('unexpected )');
        out += closeModifiers() + ')';
        modifiers.pop();
        i++;
        continue;
      case '|': {
        const open = modifiers[modifiers.length - 1];
        out += closeModifiers() + '|' + open.join('');
        i++;
        continue;
      }
      case '{': {
        const m = /^\{\d+(?:,\d*)?\}/.exec(pattern.slice(i));
        if (m) {
          out += m[0];
          i += m[0].length;
        } else {
          out += '\\{';
          i++;
        }
        continue;
      }
      case '}':
      case ']':
        out += '\\' + ch;
        i++;
        continue;
      default:
        out += ch;
        i++;
    }
  }
  if (inClass) throw new Error('missing closing ]');
  if (modifiers.length > 1) throw new Error('missing closing )');
  return { source: out + closeModifiers(), flags: 'u' };
}

function translateEscape(p: string, i: number, inClass: boolean): [string, number] {
  const e = p[i + 1];
  if (e === undefined) throw new Error('trailing backslash');
  if (e === 'Q') {
    const end = p.indexOf('\\E', i + 2);
    const lit = end < 0 ? p.slice(i + 2) : p.slice(i + 2, end);
    return [quoteLiteral(lit), (end < 0 ? p.length : end + 2) - i];
  }
  if (e === 'z') return ['$', 2];
  if (e === 'A') return ['^', 2];
  if (e === 'C') return ['[^]', 2];
  if (e === 's' || e === 'S' || e === 'd' || e === 'D' || e === 'w' || e === 'W') {
    const base = PERL_IN_CLASS[e.toLowerCase()];
    if (inClass) {
      if (e === e.toUpperCase()) throw new Error(`\\${e} inside a class is not supported`);
      return [base, 2];
    }
    return [e === e.toLowerCase() ? `[${base}]` : `[^${base}]`, 2];
  }
  if ('bBntrfv'.includes(e)) return ['\\' + e, 2];
  if (e === 'a') return ['\\x07', 2];
  if (e === 'x') {
    const brace = /^\{([0-9a-fA-F]+)\}/.exec(p.slice(i + 2));
    if (brace) return [`\\u{${brace[1]}}`, 2 + brace[0].length];
    const two = /^[0-9a-fA-F]{2}/.exec(p.slice(i + 2));
    if (!two) throw new Error('invalid \\x escape');
    return ['\\x' + two[0], 4];
  }
  if (e === 'p' || e === 'P') {
    const m = /^\{(\^?)([A-Za-z_]+)\}|^([A-Za-z])/.exec(p.slice(i + 2));
    if (!m) throw new Error('invalid character class');
    const negated = (m[1] === '^') !== (e === 'P');
    const name = m[2] ?? m[3];
    const body = CATEGORIES.test(name) ? name : `Script=${name}`;
    return [`\\${negated ? 'P' : 'p'}{${body}}`, 2 + m[0].length];
  }
  if (e >= '0' && e <= '7') {
    const m = /^[0-7]{1,3}/.exec(p.slice(i + 1))!;
    if (m[0].length === 1 && e !== '0') throw new Error('backreferences are not supported');
    return [hex(String.fromCharCode(parseInt(m[0], 8))), 1 + m[0].length];
  }
  if (e >= '8' && e <= '9') throw new Error('backreferences are not supported');
  if (/[A-Za-z0-9]/.test(e)) throw new Error(`invalid escape \\${e}`);
  if (JS_SYNTAX.has(e) || (inClass && e === '-')) return ['\\' + e, 2];
  return [hex(e), 2];
}

const cache = new Map<string, RegExp>();

/** Compiles a TraceQL regex, anchored at both ends. Throws an Error when the pattern is invalid. */
export function compileRegex(pattern: string): RegExp {
  let re = cache.get(pattern);
  if (re === undefined) {
    const { source, flags } = translateRe2(pattern);
    try {
      re = new RegExp(`^(?:${source})$`, flags);
    } catch (err) {
      // V8 says "Invalid regular expression: /…/u: Unterminated group"; keep the last part.
      const text = (err as Error).message;
      throw new Error(text.slice(text.lastIndexOf(': ') + 2).toLowerCase(), { cause: err });
    }
    if (cache.size > 1000) cache.clear();
    cache.set(pattern, re);
  }
  return re;
}
