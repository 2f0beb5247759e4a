// AST → TraceQL text that parses back to the same AST (positions aside). Parentheses are added
// only where precedence needs them.
import type {
  AttributeNode, FieldExpr, IntrinsicNode, MetricsExpr, MetricsFunction, Pipeline, Query, ScalarConst, ScalarExpr, SpansetExpr, Stage,
} from './ast.ts';
import type { Static } from './static.ts';
import { formatDuration, formatFloat } from './static.ts';
import { isAttributeChar } from './tokens.ts';

const LOGIC = 1;
const CMP = 2;
const ADD = 3;
const MUL = 4;
const UNARY = 4.5;
const POW = 5;
const ATOM = 6;

function opPrec(op: string): number {
  switch (op) {
    case '&&':
    case '||':
      return LOGIC;
    case '+':
    case '-':
      return ADD;
    case '*':
    case '/':
    case '%':
      return MUL;
    case '^':
      return POW;
    default:
      return CMP;
  }
}

/**
 * Joins `lhs op rhs`, parenthesizing operands by precedence (`^` is right-assoc, the rest left).
 * `&&` and `||` share a level, as in Tempo; a child using the other one is parenthesized anyway,
 * because `a || b && c` reads wrongly to most people.
 */
function joinBinary(op: string, lhs: string, lp: number, rhs: string, rp: number, lop?: string, rop?: string): string {
  const p = opPrec(op);
  if (p === LOGIC) {
    if (lop !== undefined && lop !== op && opPrec(lop) === LOGIC) lp -= 0.5;
    if (rop !== undefined && rop !== op && opPrec(rop) === LOGIC) rp -= 0.5;
  }
  const right = op === '^';
  const l = lp < p || (lp === p && right) ? `(${lhs})` : lhs;
  const r = rp < p || (rp === p && !right) ? `(${rhs})` : rhs;
  return `${l} ${op} ${r}`;
}

/** Text of a query. */
export function stringify(q: Query): string {
  const body = q.body.kind === 'pipeline' ? stringifyPipeline(q.body) : metrics(q.body)[0];
  if (q.hints.length === 0) return body;
  return `${body} with(${q.hints.map((h) => `${h.name}=${literal(h.value)}`).join(', ')})`;
}

/** Text of a literal value. */
export function literal(v: Static): string {
  switch (v.type) {
    case 'nil':
      return 'nil';
    case 'string':
      return quoteString(v.value);
    case 'int':
      return String(v.value);
    case 'float':
      return formatFloat(v.value);
    case 'duration':
      return formatDuration(v.value);
    case 'bool':
      return String(v.value);
    case 'status':
    case 'kind':
      return v.value;
    case 'array':
      return `[${v.value.map(literal).join(', ')}]`;
    default: {
      const never: never = v;
      return never;
    }
  }
}

/** A TraceQL string literal holding `s`, escaped so it parses back to `s`. */
export function quoteString(s: string): string {
  let out = '"';
  for (const ch of s) {
    const c = ch.codePointAt(0)!;
    if (ch === '"' || ch === '\\') out += '\\' + ch;
    else if (ch === '\n') out += '\\n';
    else if (ch === '\t') out += '\\t';
    else if (ch === '\r') out += '\\r';
    else if (c < 0x20 || c === 0x7f) out += '\\u' + c.toString(16).padStart(4, '0');
    else out += ch;
  }
  return out + '"';
}

const SCOPE_PREFIX: Record<AttributeNode['scope'], string> = {
  none: '.', span: 'span.', resource: 'resource.', event: 'event.', link: 'link.', instrumentation: 'instrumentation.',
};

/** Text of an attribute reference or intrinsic, quoting the name when it needs it. */
export function stringifyRef(r: AttributeNode | IntrinsicNode): string {
  if (r.kind === 'intrinsic') return r.name;
  let prefix = SCOPE_PREFIX[r.scope];
  if (r.parent) prefix = r.scope === 'none' ? 'parent.' : `parent.${r.scope}.`;
  return prefix + attributeName(r.name, r.scope === 'none' && !r.parent, r.parent && r.scope === 'none');
}

function attributeName(name: string, unscoped: boolean, parentUnscoped: boolean): string {
  let plain = name.length > 0 && !(unscoped && name.charCodeAt(0) >= 48 && name.charCodeAt(0) <= 57);
  if (parentUnscoped && (name.startsWith('span.') || name.startsWith('resource.'))) plain = false;
  for (let i = 0; plain && i < name.length; i++) {
    const c = name.charCodeAt(i);
    if (c === 34 || !isAttributeChar(c)) plain = false;
  }
  return plain ? name : `"${name.replace(/[\\"]/g, (m) => '\\' + m)}"`;
}

function fieldPrec(e: FieldExpr): number {
  switch (e.kind) {
    case 'binary':
      return opPrec(e.op);
    case 'unary':
      return UNARY;
    case 'literal':
      return isNegativeNumber(e.value) ? UNARY : ATOM;
    default:
      return ATOM;
  }
}

function isNegativeNumber(v: Static): boolean {
  return (v.type === 'int' || v.type === 'duration' || v.type === 'float') && (v.value < 0 || Object.is(v.value, -0));
}

/** Text of a field expression. */
export function stringifyField(e: FieldExpr): string {
  switch (e.kind) {
    case 'literal':
      return literal(e.value);
    case 'attribute':
    case 'intrinsic':
      return stringifyRef(e);
    case 'unary': {
      const inner = stringifyField(e.operand);
      return fieldPrec(e.operand) < POW ? `${e.op}(${inner})` : `${e.op}${inner}`;
    }
    case 'binary':
      return joinBinary(e.op, stringifyField(e.lhs), fieldPrec(e.lhs), stringifyField(e.rhs), fieldPrec(e.rhs), opOf(e.lhs), opOf(e.rhs));
    default: {
      const never: never = e;
      return never;
    }
  }
}

function opOf(n: FieldExpr | SpansetExpr): string | undefined {
  return n.kind === 'binary' || n.kind === 'spansetOp' ? n.op : undefined;
}

function spansetPrec(s: SpansetExpr): number {
  return s.kind === 'spansetOp' ? opPrec(s.op) : ATOM;
}

/** Text of a spanset expression. */
export function stringifySpanset(s: SpansetExpr): string {
  switch (s.kind) {
    case 'spansetFilter':
      return s.expr ? `{ ${stringifyField(s.expr)} }` : '{ }';
    case 'spansetOp':
      return joinBinary(s.op, stringifySpanset(s.lhs), spansetPrec(s.lhs), stringifySpanset(s.rhs), spansetPrec(s.rhs), opOf(s.lhs), opOf(s.rhs));
    case 'pipeline':
      return `(${stringifyPipeline(s)})`;
    default: {
      const never: never = s;
      return never;
    }
  }
}

/** Text of a pipeline, without enclosing parentheses. */
export function stringifyPipeline(p: Pipeline): string {
  return p.stages.map(stage).join(' | ');
}

function stage(s: Stage): string {
  switch (s.kind) {
    case 'spansetFilter':
    case 'spansetOp':
    case 'pipeline':
      return stringifySpanset(s);
    case 'scalarFilter':
      return joinBinary(s.op, stringifyScalar(s.lhs), scalarPrec(s.lhs), stringifyScalar(s.rhs), scalarPrec(s.rhs));
    case 'by':
      return `by(${stringifyField(s.expr)})`;
    case 'select':
      return `select(${s.fields.map(stringifyRef).join(', ')})`;
    case 'coalesce':
      return 'coalesce()';
    default: {
      const never: never = s;
      return never;
    }
  }
}

function scalarPrec(e: ScalarExpr | ScalarConst): number {
  switch (e.kind) {
    case 'scalarBinary':
    case 'constBinary':
      return opPrec(e.op);
    case 'literal':
      return isNegativeNumber(e.value) ? UNARY : ATOM;
    default:
      return ATOM;
  }
}

/** Text of a scalar expression (aggregates, constants and arithmetic on them). */
export function stringifyScalar(e: ScalarExpr | ScalarConst): string {
  switch (e.kind) {
    case 'literal':
      return literal(e.value);
    case 'aggregate':
      return `${e.fn}(${e.expr ? stringifyField(e.expr) : ''})`;
    case 'scalarPipeline':
      return `(${stringifyPipeline(e.pipeline)} | ${stringifyScalar(e.aggregate)})`;
    case 'scalarBinary':
    case 'constBinary':
      return joinBinary(e.op, stringifyScalar(e.lhs), scalarPrec(e.lhs), stringifyScalar(e.rhs), scalarPrec(e.rhs));
    default: {
      const never: never = e;
      return never;
    }
  }
}

/** Text of a metrics function call. */
export function stringifyMetricsFunction(f: MetricsFunction): string {
  let args = '';
  if (f.compare) {
    const c = f.compare;
    args = stringifySpanset(c.selection);
    if (c.start !== 0n || c.end !== 0n) args += `, ${c.topN}, ${c.start}, ${c.end}`;
    else if (c.topN !== 10) args += `, ${c.topN}`;
  } else if (f.field) {
    args = stringifyRef(f.field) + f.quantiles.map((q) => `, ${q}`).join('');
  }
  const by = f.by.length > 0 ? ` by (${f.by.map(stringifyRef).join(', ')})` : '';
  return `${f.fn}(${args})${by}`;
}

/** Text and precedence of a metrics expression. */
function metrics(e: MetricsExpr): [string, number] {
  switch (e.kind) {
    case 'metricsPipeline':
      return [`${stringifyPipeline(e.pipeline)} | ${stringifyMetricsFunction(e.fn)}`, 0];
    case 'metricsStage': {
      const [input, prec] = metrics(e.input);
      const st = e.stage;
      if (st.kind === 'filter') {
        const inner = prec === 0 || prec >= CMP ? input : `(${input})`;
        const value = stringifyScalar(st.value);
        return [`${inner} ${st.op} ${scalarPrec(st.value) <= CMP ? `(${value})` : value}`, 0];
      }
      return [`${input} | ${st.kind}(${st.limit})`, 0];
    }
    case 'metricsBinary': {
      const side = (x: MetricsExpr | ScalarConst): [string, number] => {
        if (x.kind === 'literal' || x.kind === 'constBinary') return [stringifyScalar(x), scalarPrec(x)];
        const [text] = metrics(x);
        return [`(${text})`, ATOM];
      };
      const [l, lp] = side(e.lhs);
      const [r, rp] = side(e.rhs);
      return [joinBinary(e.op, l, lp, r, rp), opPrec(e.op)];
    }
    default: {
      const never: never = e;
      return never;
    }
  }
}
