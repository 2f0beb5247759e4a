// TraceQL tokens. Most are plain patterns; three need code because TraceQL's lexing depends on
// context the way Tempo's lexer does:
// - an attribute reference (`.a`, `span.http.status_code`, `resource."x y"`) swallows every
//   character up to whitespace or one of `{}()=~!<>&|^,`, so dots, dashes and slashes belong to
//   the name;
// - a number glued to unit letters is a duration when the whole word is one (`1h30m`, `1.5s`);
// - words are lexed as identifiers and then retyped to keywords (see KEYWORDS), which keeps the
//   lexer to one pattern for every word.
import { createToken, Lexer } from 'chevrotain';
import type { TokenType } from 'chevrotain';
import { parseDurationText } from './duration.ts';

/** Scope prefixes of attribute references, longest first. */
export const ATTRIBUTE_SCOPE_PREFIXES = ['instrumentation.', 'resource.', 'parent.', 'event.', 'span.', 'link.', '.'] as const;

const STOP_CHARS = new Uint8Array(128);
for (const c of '{}()=~!<>&|^, \t\n\r\v\f') STOP_CHARS[c.charCodeAt(0)] = 1;

/** True when the character may appear unquoted in an attribute name (Tempo's rule). */
export function isAttributeChar(code: number): boolean {
  if (code < 128) return STOP_CHARS[code] === 0;
  return !/\s/.test(String.fromCharCode(code));
}

function matchAttribute(text: string, offset: number): [string] | null {
  let pos = -1;
  const first = text.charCodeAt(offset);
  if (first === 46 /* . */) {
    const next = text.charCodeAt(offset + 1);
    if (next >= 48 && next <= 57) return null; // `.5` is a number
    pos = offset + 1;
  } else {
    for (const prefix of ATTRIBUTE_SCOPE_PREFIXES) {
      if (text.startsWith(prefix, offset)) {
        pos = offset + prefix.length;
        break;
      }
    }
    if (pos < 0) return null;
  }
  while (pos < text.length) {
    const code = text.charCodeAt(pos);
    if (code === 34 /* " */) {
      pos++;
      while (pos < text.length && text.charCodeAt(pos) !== 34) pos += text.charCodeAt(pos) === 92 /* \ */ ? 2 : 1;
      pos = Math.min(pos + 1, text.length);
    } else if (isAttributeChar(code)) {
      pos++;
    } else {
      break;
    }
  }
  return [text.slice(offset, pos)];
}

const NUMBER_PREFIX = /\d+\.?\d*(?:[eE][+-]?\d+)?|\.\d+(?:[eE][+-]?\d+)?/y;
const DURATION_CHARS = /[0-9nsumhµdwy.]+/y;

function matchDuration(text: string, offset: number): [string] | null {
  NUMBER_PREFIX.lastIndex = offset;
  const num = NUMBER_PREFIX.exec(text);
  if (!num) return null;
  DURATION_CHARS.lastIndex = offset + num[0].length;
  const unit = DURATION_CHARS.exec(text);
  if (!unit) return null;
  const candidate = num[0] + unit[0];
  return parseDurationText(candidate) === undefined ? null : [candidate];
}

const DIGITS = '0123456789'.split('');

export const WhiteSpace = createToken({ name: 'WhiteSpace', pattern: /[ \t\n\r]+/, group: Lexer.SKIPPED, line_breaks: true });
export const LineComment = createToken({ name: 'LineComment', pattern: /\/\/[^\n]*/, group: Lexer.SKIPPED });
export const BlockComment = createToken({ name: 'BlockComment', pattern: /\/\*[\s\S]*?\*\//, group: Lexer.SKIPPED, line_breaks: true });

export const Attribute = createToken({
  name: 'Attribute',
  label: 'an attribute',
  pattern: { exec: matchAttribute },
  start_chars_hint: ['.', 'i', 'r', 'p', 'e', 's', 'l'],
  line_breaks: true,
});
export const ScopedIntrinsic = createToken({
  name: 'ScopedIntrinsic',
  label: 'an intrinsic',
  pattern: /(?:span|trace|event|link|instrumentation):[A-Za-z_][A-Za-z0-9_]*/,
});
export const Duration = createToken({
  name: 'Duration',
  label: 'a duration',
  pattern: { exec: matchDuration },
  start_chars_hint: [...DIGITS, '.'],
  line_breaks: false,
});
export const Float = createToken({ name: 'Float', label: 'a number', pattern: /\d+\.\d*(?:[eE][+-]?\d+)?|\.\d+(?:[eE][+-]?\d+)?|\d+[eE][+-]?\d+/ });
export const Integer = createToken({ name: 'Integer', label: 'a number', pattern: /\d+/ });
export const StringLit = createToken({ name: 'String', label: 'a string', pattern: /"(?:[^"\\\n]|\\[^\n])*"/ });
export const RawString = createToken({ name: 'RawString', label: 'a string', pattern: /`[^`]*`/, line_breaks: true });
export const Identifier = createToken({ name: 'Identifier', label: 'a name', pattern: /[A-Za-z_][A-Za-z0-9_]*/ });

// Keyword categories: the parser consumes the category, the builder looks at the text.
export const IntrinsicKw = createToken({ name: 'IntrinsicKw', label: 'an intrinsic', pattern: Lexer.NA });
export const FunctionKw = createToken({ name: 'FunctionKw', label: 'a function', pattern: Lexer.NA });
export const EnumKw = createToken({ name: 'EnumKw', label: 'a status or kind', pattern: Lexer.NA });
export const True = createToken({ name: 'True', label: '"true"', pattern: Lexer.NA });
export const False = createToken({ name: 'False', label: '"false"', pattern: Lexer.NA });
export const Nil = createToken({ name: 'Nil', label: '"nil"', pattern: Lexer.NA });
export const By = createToken({ name: 'By', label: '"by"', pattern: Lexer.NA });
export const With = createToken({ name: 'With', label: '"with"', pattern: Lexer.NA });

function kw(name: string, category: TokenType): TokenType {
  return createToken({ name: `Kw_${name}`, label: `"${name}"`, pattern: Lexer.NA, categories: [category] });
}

/** Words that are keywords, mapped to their token type; every other word is an Identifier. */
export const KEYWORDS: ReadonlyMap<string, TokenType> = new Map<string, TokenType>([
  ...['duration', 'name', 'status', 'statusMessage', 'kind', 'rootName', 'rootServiceName', 'traceDuration', 'nestedSetLeft', 'nestedSetRight', 'nestedSetParent', 'parent'].map((w): [string, TokenType] => [w, kw(w, IntrinsicKw)]),
  ...['count', 'avg', 'min', 'max', 'sum', 'select', 'coalesce', 'rate', 'count_over_time', 'min_over_time', 'max_over_time', 'avg_over_time', 'sum_over_time', 'quantile_over_time', 'histogram_over_time', 'compare', 'topk', 'bottomk'].map((w): [string, TokenType] => [w, kw(w, FunctionKw)]),
  ...['ok', 'error', 'unset', 'unspecified', 'internal', 'server', 'client', 'producer', 'consumer'].map((w): [string, TokenType] => [w, kw(w, EnumKw)]),
  ['true', True],
  ['false', False],
  ['nil', Nil],
  ['by', By],
  ['with', With],
]);

// Operator categories: the parser consumes a category per precedence level.
export const CmpOp = createToken({ name: 'CmpOp', label: 'a comparison', pattern: Lexer.NA });
export const LogicOp = createToken({ name: 'LogicOp', label: '"&&" or "||"', pattern: Lexer.NA });
export const AddOp = createToken({ name: 'AddOp', label: '"+" or "-"', pattern: Lexer.NA });
export const MulOp = createToken({ name: 'MulOp', label: '"*", "/" or "%"', pattern: Lexer.NA });

function op(name: string, image: string, category?: TokenType): TokenType {
  const escaped = image.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
  return createToken({ name, label: `"${image}"`, pattern: new RegExp(escaped), categories: category ? [category] : [] });
}

export const NotDesc = op('NotDesc', '!>>', CmpOp);
export const NotAnce = op('NotAnce', '!<<', CmpOp);
export const UnionDesc = op('UnionDesc', '&>>', CmpOp);
export const UnionAnce = op('UnionAnce', '&<<', CmpOp);
export const Desc = op('Desc', '>>', CmpOp);
export const Ance = op('Ance', '<<', CmpOp);
export const Gte = op('Gte', '>=', CmpOp);
export const Lte = op('Lte', '<=', CmpOp);
export const Neq = op('Neq', '!=', CmpOp);
export const Re = op('Re', '=~', CmpOp);
export const Nre = op('Nre', '!~', CmpOp);
export const NotChild = op('NotChild', '!>', CmpOp);
export const NotParent = op('NotParent', '!<', CmpOp);
export const UnionChild = op('UnionChild', '&>', CmpOp);
export const UnionParent = op('UnionParent', '&<', CmpOp);
export const UnionSibl = op('UnionSibl', '&~', CmpOp);
export const AndAnd = op('AndAnd', '&&', LogicOp);
export const OrOr = op('OrOr', '||', LogicOp);
export const Eq = op('Eq', '=', CmpOp);
export const Gt = op('Gt', '>', CmpOp);
export const Lt = op('Lt', '<', CmpOp);
export const Sibl = op('Sibl', '~', CmpOp);
export const Bang = op('Bang', '!');
export const Pipe = op('Pipe', '|');
export const Plus = op('Plus', '+', AddOp);
export const Minus = op('Minus', '-', AddOp);
export const Star = op('Star', '*', MulOp);
export const Slash = op('Slash', '/', MulOp);
export const Percent = op('Percent', '%', MulOp);
export const Caret = op('Caret', '^');
export const LCurly = op('LCurly', '{');
export const RCurly = op('RCurly', '}');
export const LParen = op('LParen', '(');
export const RParen = op('RParen', ')');
export const Comma = op('Comma', ',');

/** Every token the lexer produces, in match order (longer operators before their prefixes). */
export const LEXER_TOKENS: TokenType[] = [
  WhiteSpace, LineComment, BlockComment,
  Attribute, ScopedIntrinsic, Duration, Float, Integer, StringLit, RawString, Identifier,
  NotDesc, NotAnce, UnionDesc, UnionAnce, Desc, Ance, Gte, Lte, Neq, Re, Nre, NotChild, NotParent, UnionChild, UnionParent, UnionSibl,
  AndAnd, OrOr, Eq, Gt, Lt, Sibl, Bang, Pipe, Plus, Minus, Star, Slash, Percent, Caret, LCurly, RCurly, LParen, RParen, Comma,
];

/** Every token type the parser knows (lexed ones, keyword categories and keywords). */
export const ALL_TOKENS: TokenType[] = [...LEXER_TOKENS, CmpOp, LogicOp, AddOp, MulOp, IntrinsicKw, FunctionKw, EnumKw, True, False, Nil, By, With, ...new Set(KEYWORDS.values())].filter((t, i, a) => a.indexOf(t) === i);
