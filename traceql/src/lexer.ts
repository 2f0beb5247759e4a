// The lexer: chevrotain's, created once, plus the keyword retyping pass (see tokens.ts).
import { Lexer } from 'chevrotain';
import type { IToken } from 'chevrotain';
import { Identifier, KEYWORDS, LEXER_TOKENS } from './tokens.ts';

const lexer = new Lexer(LEXER_TOKENS, { positionTracking: 'full', ensureOptimizations: true });

/** A lexing failure at one spot. */
export interface LexFailure {
  /** What is wrong, for the message. */
  readonly reason: string;
  /** Offset of the offending character. */
  readonly offset: number;
  /** 1-based line. */
  readonly line: number;
  /** 1-based column. */
  readonly column: number;
}

/** Tokens of a query, or the first lexing failure. */
export function lex(text: string): { tokens: IToken[]; failure?: LexFailure } {
  const result = lexer.tokenize(text);
  const tokens = result.tokens;
  for (let i = 0; i < tokens.length; i++) {
    const t = tokens[i];
    if (t.tokenType === Identifier) {
      const k = KEYWORDS.get(t.image);
      if (k !== undefined) {
        t.tokenType = k;
        t.tokenTypeIdx = k.tokenTypeIdx!;
      }
    }
  }
  if (result.errors.length > 0) {
    const e = result.errors[0];
    const ch = text[e.offset];
    const reason =
      ch === '"' ? 'unterminated string' : ch === '`' ? 'unterminated raw string' : `unexpected character ${JSON.stringify(ch)}`;
    return { tokens, failure: { reason, offset: e.offset, line: e.line ?? 1, column: e.column ?? 1 } };
  }
  return { tokens };
}
