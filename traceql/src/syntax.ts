// CST → syntax tree. The syntax tree mirrors the grammar (operators, operands, calls, braces,
// parentheses) with literals already decoded; the AST builder then gives each part its meaning.
import type { CstNode, IToken } from 'chevrotain';
import type { AttributeScope, Pos } from './ast.ts';
import { parseDurationText } from './duration.ts';
import { parser } from './parser.ts';
import type { Static, StatusValue, KindValue } from './static.ts';
import { FALSE, NIL, TRUE } from './static.ts';
import { Duration, EnumKw, False, Float, Integer, Nil, RawString, StringLit, True } from './tokens.ts';

/** A node of the syntax tree. */
export type Syn =
  | { readonly t: 'pipe'; readonly stages: readonly Syn[]; readonly pos: Pos }
  | { readonly t: 'bin'; readonly op: string; readonly lhs: Syn; readonly rhs: Syn; readonly pos: Pos; readonly opPos: Pos }
  | { readonly t: 'un'; readonly op: '-' | '!'; readonly operand: Syn; readonly pos: Pos }
  | { readonly t: 'lit'; readonly value: Static; readonly pos: Pos }
  | { readonly t: 'attr'; readonly scope: AttributeScope; readonly name: string; readonly parent: boolean; readonly pos: Pos }
  | { readonly t: 'intr'; readonly name: string; readonly pos: Pos }
  | { readonly t: 'call'; readonly fn: string; readonly args: readonly Syn[]; readonly by: readonly Syn[] | null; readonly pos: Pos }
  | { readonly t: 'ident'; readonly name: string; readonly args: readonly Syn[] | null; readonly pos: Pos }
  | { readonly t: 'braces'; readonly body: Syn | null; readonly pos: Pos }
  | { readonly t: 'paren'; readonly inner: Syn; readonly pos: Pos };

/** The whole query: body and `with(...)` hints. */
export interface SynQuery {
  /** The query before `with(...)`. */
  readonly body: Syn;
  /** The hints, in order. */
  readonly hints: readonly { readonly name: string; readonly value: Syn; readonly pos: Pos }[];
}

/** A problem found while building, at a position. Becomes a TQL_ERR_PARSE. */
export class BuildError extends Error {
  readonly pos: Pos;
  constructor(reason: string, pos: Pos) {
    super(reason);
    this.pos = pos;
  }
}

/** Position of a token. */
export function tokenPos(t: IToken): Pos {
  return { offset: t.startOffset, line: t.startLine ?? 1, column: t.startColumn ?? 1 };
}

type Children = Record<string, (CstNode | IToken)[] | undefined>;

const BaseVisitor = parser.getBaseCstVisitorConstructor();

const MAX_INT = (1n << 63n) - 1n;

class SyntaxVisitor extends BaseVisitor {
  constructor() {
    super();
    this.validateVisitor();
  }

  query(c: Children): SynQuery {
    const hints = ((c.hint ?? []) as CstNode[]).map((h) => this.visit(h) as SynQuery['hints'][number]);
    return { body: this.visit(c.pipeline![0] as CstNode) as Syn, hints };
  }

  hint(c: Children): SynQuery['hints'][number] {
    const name = c.Identifier![0] as IToken;
    return { name: name.image, value: this.visit(c.unaryExpr![0] as CstNode) as Syn, pos: tokenPos(name) };
  }

  pipeline(c: Children): Syn {
    const stages = (c.stages as CstNode[]).map((s) => this.visit(s) as Syn);
    return stages.length === 1 ? stages[0] : { t: 'pipe', stages, pos: stages[0].pos };
  }

  orExpr(c: Children): Syn {
    return this.chain(c);
  }

  cmpExpr(c: Children): Syn {
    return this.chain(c);
  }

  addExpr(c: Children): Syn {
    return this.chain(c);
  }

  mulExpr(c: Children): Syn {
    return this.chain(c);
  }

  private chain(c: Children): Syn {
    const operands = c.operands as CstNode[];
    let acc = this.visit(operands[0]) as Syn;
    const ops = (c.ops ?? []) as IToken[];
    for (let i = 0; i < ops.length; i++) {
      const rhs = this.visit(operands[i + 1]) as Syn;
      acc = { t: 'bin', op: ops[i].image, lhs: acc, rhs, pos: acc.pos, opPos: tokenPos(ops[i]) };
    }
    return acc;
  }

  powExpr(c: Children): Syn {
    const base = this.visit(c.base![0] as CstNode) as Syn;
    if (!c.op) return base;
    const exponent = this.visit(c.exponent![0] as CstNode) as Syn;
    return { t: 'bin', op: '^', lhs: base, rhs: exponent, pos: base.pos, opPos: tokenPos(c.op[0] as IToken) };
  }

  unaryExpr(c: Children): Syn {
    const operand = this.visit(c.operand![0] as CstNode) as Syn;
    if (!c.op) return operand;
    const opToken = c.op[0] as IToken;
    const op = opToken.image as '-' | '!';
    const pos = tokenPos(opToken);
    // `-1`, `-1.5`, `-1s` are literals (Tempo folds them the same way).
    const inner = stripParens(operand);
    if (op === '-' && inner.t === 'lit') {
      const v = inner.value;
      if (v.type === 'int') return { t: 'lit', value: { type: 'int', value: BigInt.asIntN(64, -v.value) }, pos };
      if (v.type === 'float') return { t: 'lit', value: { type: 'float', value: -v.value }, pos };
      if (v.type === 'duration') return { t: 'lit', value: { type: 'duration', value: -v.value }, pos };
    }
    return { t: 'un', op, operand, pos };
  }

  primary(c: Children): Syn {
    if (c.LCurly) {
      const body = c.body ? (this.visit(c.body[0] as CstNode) as Syn) : null;
      return { t: 'braces', body, pos: tokenPos(c.LCurly[0] as IToken) };
    }
    if (c.LParen) return { t: 'paren', inner: this.visit(c.inner![0] as CstNode) as Syn, pos: tokenPos(c.LParen[0] as IToken) };
    if (c.literal) return { t: 'lit', value: decodeLiteral(c.literal[0] as IToken), pos: tokenPos(c.literal[0] as IToken) };
    if (c.attribute) return decodeAttribute(c.attribute[0] as IToken);
    if (c.intrinsic) {
      const t = c.intrinsic[0] as IToken;
      return { t: 'intr', name: t.image, pos: tokenPos(t) };
    }
    if (c.fn) {
      const t = c.fn[0] as IToken;
      const args = this.visit(c.args![0] as CstNode) as Syn[];
      const by = c.byArgs ? (this.visit(c.byArgs[0] as CstNode) as Syn[]) : null;
      return { t: 'call', fn: t.image, args, by, pos: tokenPos(t) };
    }
    const t = c.identifier![0] as IToken;
    const args = c.args ? (this.visit(c.args[0] as CstNode) as Syn[]) : null;
    return { t: 'ident', name: t.image, args, pos: tokenPos(t) };
  }

  callArgs(c: Children): Syn[] {
    return ((c.args ?? []) as CstNode[]).map((a) => this.visit(a) as Syn);
  }
}

/** Removes redundant parentheses around a node. */
export function stripParens(s: Syn): Syn {
  while (s.t === 'paren') s = s.inner;
  return s;
}

const visitor = new SyntaxVisitor();

/** Builds the syntax tree of a CST from the parser. */
export function toSyntax(cst: CstNode): SynQuery {
  return visitor.visit(cst) as SynQuery;
}

function decodeLiteral(t: IToken): Static {
  const pos = tokenPos(t);
  switch (t.tokenType) {
    case StringLit:
      return { type: 'string', value: unquoteString(t.image, pos) };
    case RawString:
      return { type: 'string', value: t.image.slice(1, -1).replace(/\r/g, '') };
    case Integer: {
      const v = BigInt(t.image);
      if (v > MAX_INT) throw new BuildError(`integer ${t.image} is out of range`, pos);
      return { type: 'int', value: v };
    }
    case Float: {
      const v = Number(t.image);
      if (!Number.isFinite(v)) throw new BuildError(`number ${t.image} is out of range`, pos);
      return { type: 'float', value: v };
    }
    case Duration:
      return { type: 'duration', value: parseDurationText(t.image)! };
    case True:
      return TRUE;
    case False:
      return FALSE;
    case Nil:
      return NIL;
    default:
      if (t.tokenType.CATEGORIES?.includes(EnumKw)) {
        const w = t.image;
        return w === 'ok' || w === 'error' || w === 'unset' ? { type: 'status', value: w as StatusValue } : { type: 'kind', value: w as KindValue };
      }
      throw new BuildError(`unexpected ${t.image}`, pos);
  }
}

const SIMPLE_ESCAPES: Record<string, string> = { a: '\x07', b: '\b', f: '\f', n: '\n', r: '\r', t: '\t', v: '\v', '\\': '\\', '"': '"' };

/** Decodes a double-quoted string with Go's escapes (\n, \t, \xFF, \u00e9, \U0001F600, \101, ...). */
function unquoteString(image: string, pos: Pos): string {
  const body = image.slice(1, -1);
  if (!body.includes('\\')) return body;
  let out = '';
  const bytes: number[] = [];
  const flush = () => {
    if (bytes.length > 0) out += new TextDecoder().decode(new Uint8Array(bytes.splice(0)));
  };
  for (let i = 0; i < body.length; i++) {
    const ch = body[i];
    if (ch !== '\\') {
      flush();
      out += ch;
      continue;
    }
    const e = body[++i];
    const bad = () => new BuildError(`invalid escape sequence "\\${e ?? ''}" in string`, { ...pos, offset: pos.offset + i, column: pos.column + i });
    if (e in SIMPLE_ESCAPES) {
      flush();
      out += SIMPLE_ESCAPES[e];
    } else if (e === 'x' || (e >= '0' && e <= '7')) {
      const len = e === 'x' ? 2 : 3;
      const digits = e === 'x' ? body.slice(i + 1, i + 3) : body.slice(i, i + 3);
      const ok = e === 'x' ? /^[0-9a-fA-F]{2}$/.test(digits) : /^[0-7]{3}$/.test(digits);
      if (!ok || (e !== 'x' && parseInt(digits, 8) > 255)) throw bad();
      bytes.push(parseInt(digits, e === 'x' ? 16 : 8));
      i += e === 'x' ? len : len - 1;
    } else if (e === 'u' || e === 'U') {
      const len = e === 'u' ? 4 : 8;
      const digits = body.slice(i + 1, i + 1 + len);
      const cp = /^[0-9a-fA-F]+$/.test(digits) && digits.length === len ? parseInt(digits, 16) : -1;
      if (cp < 0 || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff)) throw bad();
      flush();
      out += String.fromCodePoint(cp);
      i += len;
    } else {
      throw bad();
    }
  }
  flush();
  return out;
}

function decodeAttribute(t: IToken): Syn {
  const pos = tokenPos(t);
  const image = t.image;
  let scope: AttributeScope = 'none';
  let parent = false;
  let rest: string;
  if (image.startsWith('.')) {
    rest = image.slice(1);
  } else {
    const dot = image.indexOf('.');
    const word = image.slice(0, dot);
    rest = image.slice(dot + 1);
    if (word === 'parent') {
      parent = true;
      // Like Tempo, `parent.span.x` and `parent.resource.x` name the parent's span/resource scope.
      for (const s of ['span', 'resource'] as const) {
        if (rest.startsWith(s + '.')) {
          scope = s;
          rest = rest.slice(s.length + 1);
          break;
        }
      }
    } else {
      scope = word as AttributeScope;
    }
  }
  const name = unquoteAttributeName(rest, pos, image.length - rest.length);
  if (name === '') throw new BuildError(`expected an attribute name after ${JSON.stringify(image)}`, pos);
  return { t: 'attr', scope, name, parent, pos };
}

/** Joins the plain and quoted parts of an attribute name; only \" and \\ escape inside quotes. */
function unquoteAttributeName(text: string, pos: Pos, startInToken: number): string {
  if (!text.includes('"')) return text;
  let out = '';
  let i = 0;
  while (i < text.length) {
    const ch = text[i];
    if (ch !== '"') {
      out += ch;
      i++;
      continue;
    }
    i++;
    let closed = false;
    while (i < text.length) {
      const c = text[i];
      if (c === '"') {
        closed = true;
        i++;
        break;
      }
      if (c === '\\') {
        const e = text[i + 1];
        if (e !== '"' && e !== '\\') {
          const offset = startInToken + i;
          throw new BuildError('invalid escape sequence in quoted attribute name (only \\" and \\\\ are allowed)', { offset: pos.offset + offset, line: pos.line, column: pos.column + offset });
        }
        out += e;
        i += 2;
        continue;
      }
      out += c;
      i++;
    }
    if (!closed) throw new BuildError('unterminated quoted attribute name', pos);
  }
  return out;
}
