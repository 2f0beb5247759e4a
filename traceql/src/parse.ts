// The front-end facade: text → tokens → CST → syntax tree → AST → type check. Errors come back
// as data with a position and a message that quotes the query with a caret under the spot:
//
//   parse error at line 1, column 18: expected "}" but found "|"
//     { .a = 1 && .b | count() }
//                    ^
import type { Pos, Query } from './ast.ts';
import { buildQuery } from './ast-builder.ts';
import type { TqlErrorCode } from './errors.ts';
import { TqlParseError, TqlTypeError, TqlUnsupportedError } from './errors.ts';
import { lex } from './lexer.ts';
import { parser, parseTokens } from './parser.ts';
import { BuildError, toSyntax } from './syntax.ts';
import { typecheck } from './typecheck.ts';
import type { SpanbaseError } from '@spanbase/model';

/** A problem with a query, with where it is. */
export interface QueryError {
  /** TQL_ERR_PARSE, TQL_ERR_TYPE or TQL_ERR_UNSUPPORTED. */
  readonly code: TqlErrorCode;
  /** The full message: headline, the query line and a caret under the spot. */
  readonly message: string;
  /** The headline's reason alone, e.g. `expected "}" but found "|"`. */
  readonly reason: string;
  /** 1-based line. */
  readonly line: number;
  /** 1-based column. */
  readonly column: number;
  /** 0-based offset into the query. */
  readonly offset: number;
}

/** Result of parse(): the AST when the text is TraceQL, and every error found. */
export interface ParseResult {
  /** The AST; undefined when the text does not parse. It may still have type errors. */
  readonly ast: Query | undefined;
  /** Errors in source order; empty when the query can run. */
  readonly errors: readonly QueryError[];
}

const HEADLINE: Record<TqlErrorCode, string> = {
  TQL_ERR_PARSE: 'parse error',
  TQL_ERR_TYPE: 'invalid query',
  TQL_ERR_UNSUPPORTED: 'not supported',
};

/** Builds a QueryError: headline with position, then the offending line and a caret. */
export function queryError(code: TqlErrorCode, reason: string, query: string, pos: Pos): QueryError {
  const lineStart = query.lastIndexOf('\n', pos.offset - 1) + 1;
  let lineEnd = query.indexOf('\n', pos.offset);
  if (lineEnd < 0) lineEnd = query.length;
  const lineText = query.slice(lineStart, lineEnd).replace(/\r$/, '');
  const caretPad = query.slice(lineStart, pos.offset).replace(/[^\t]/g, ' ');
  const message = `${HEADLINE[code]} at line ${pos.line}, column ${pos.column}: ${reason}\n  ${lineText}\n  ${caretPad}^`;
  return { code, message, reason, line: pos.line, column: pos.column, offset: pos.offset };
}

/** Parses and type-checks a query. Never throws for bad input. */
export function parse(query: string): ParseResult {
  try {
    return parseUnguarded(query);
  } catch (err) {
    // Every pass recurses over the tree; absurd nesting must be a 400, not a crash.
    if (err instanceof RangeError) {
      return { ast: undefined, errors: [queryError('TQL_ERR_PARSE', 'the query is nested too deeply', query, { offset: 0, line: 1, column: 1 })] };
    }
    throw err;
  }
}

function parseUnguarded(query: string): ParseResult {
  const { tokens, failure } = lex(query);
  if (failure) return { ast: undefined, errors: [queryError('TQL_ERR_PARSE', failure.reason, query, failure)] };
  const cst = parseTokens(tokens);
  if (parser.errors.length > 0) {
    const e = parser.errors[0];
    const t = e.token;
    const pos: Pos =
      t.tokenType.name === 'EOF' || Number.isNaN(t.startOffset)
        ? endPos(query)
        : { offset: t.startOffset, line: t.startLine ?? 1, column: t.startColumn ?? 1 };
    return { ast: undefined, errors: [queryError('TQL_ERR_PARSE', e.message, query, pos)] };
  }
  let ast: Query;
  try {
    ast = buildQuery(toSyntax(cst));
  } catch (err) {
    if (err instanceof BuildError) return { ast: undefined, errors: [queryError('TQL_ERR_PARSE', err.message, query, err.pos)] };
    throw err;
  }
  const errors = typecheck(ast).map((i) => queryError(i.code, i.reason, query, i.pos));
  return { ast, errors };
}

function endPos(query: string): Pos {
  const lines = query.split('\n');
  return { offset: query.length, line: lines.length, column: lines[lines.length - 1].length + 1 };
}

/** The error to throw for a QueryError. */
export function toSpanbaseError(e: QueryError): SpanbaseError {
  const factory = e.code === 'TQL_ERR_PARSE' ? TqlParseError : e.code === 'TQL_ERR_TYPE' ? TqlTypeError : TqlUnsupportedError;
  return factory(e.message);
}

/** Parses a query that must be valid; throws the first error as a SpanbaseError (HTTP 400). */
export function parseOrThrow(query: string): Query {
  const { ast, errors } = parse(query);
  if (errors.length > 0 || !ast) throw toSpanbaseError(errors[0]);
  return ast;
}
