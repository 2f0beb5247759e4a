// The grammar: one expression grammar for the whole language, with Tempo's precedence (lowest
// first): `|`; `&&` `||` (one level, left-assoc); comparisons and structural operators (one
// level, left-assoc); `+ -`; `* / %`; unary `-` and `!`; `^` (right-assoc, so `-2 ^ 2` is -4).
// Tempo's field grammar lets unary minus take a whole product (`-a * b` is `-(a * b)`), which
// has the same value for `*`, `/` and `%`; binding it tighter makes `-100 * (...)` read the same
// in field, scalar and metrics contexts.
// The grammar accepts more than TraceQL (e.g. `{} + 1`): the AST builder decides what each part
// is (field expression, spanset, aggregate, metrics) and rejects wrong shapes with a position.
// The parser is pure: one instance, created once, reused for every query.
import { CstParser, EOF } from 'chevrotain';
import type { CstNode, IParserErrorMessageProvider, IToken, TokenType } from 'chevrotain';
import {
  ALL_TOKENS, AddOp, Attribute, By, Caret, CmpOp, Comma, Duration, EnumKw, Eq, False, Float, FunctionKw, Identifier, Integer,
  IntrinsicKw, LCurly, LParen, LogicOp, Minus, MulOp, Nil, Pipe, RCurly, RParen, RawString, ScopedIntrinsic, StringLit, True, With, Bang,
} from './tokens.ts';

/** Describes a token for messages: its text in quotes, or "the end of the query". */
export function describeToken(token: IToken): string {
  if (token.tokenType === EOF) return 'the end of the query';
  const text = token.image.length > 40 ? token.image.slice(0, 37) + '...' : token.image;
  return JSON.stringify(text);
}

function label(t: TokenType): string {
  return t.LABEL ?? t.name;
}

const RULE_WANTS: Record<string, string> = {
  primary: 'an expression',
  unaryExpr: 'an expression',
};

const messages: IParserErrorMessageProvider = {
  buildMismatchTokenMessage: ({ expected, actual }) => `expected ${label(expected)} but found ${describeToken(actual)}`,
  buildNotAllInputParsedMessage: ({ firstRedundant }) => `expected the end of the query but found ${describeToken(firstRedundant)}`,
  buildNoViableAltMessage: ({ actual, ruleName }) =>
    `expected ${RULE_WANTS[ruleName] ?? 'an expression'} but found ${describeToken(actual[0])}`,
  buildEarlyExitMessage: ({ actual, ruleName }) =>
    `expected ${RULE_WANTS[ruleName] ?? 'an expression'} but found ${describeToken(actual[0])}`,
};

class TraceqlParser extends CstParser {
  constructor() {
    super(ALL_TOKENS, { errorMessageProvider: messages, recoveryEnabled: false, maxLookahead: 2 });
    this.performSelfAnalysis();
  }

  query = this.RULE('query', () => {
    this.SUBRULE(this.pipeline);
    this.OPTION(() => {
      this.CONSUME(With);
      this.CONSUME(LParen);
      this.AT_LEAST_ONE_SEP({ SEP: Comma, DEF: () => this.SUBRULE(this.hint) });
      this.CONSUME(RParen);
    });
  });

  hint = this.RULE('hint', () => {
    this.CONSUME(Identifier);
    this.CONSUME(Eq);
    this.SUBRULE(this.unaryExpr);
  });

  pipeline = this.RULE('pipeline', () => {
    this.SUBRULE(this.orExpr, { LABEL: 'stages' });
    this.MANY(() => {
      this.CONSUME(Pipe, { LABEL: 'pipes' });
      this.SUBRULE2(this.orExpr, { LABEL: 'stages' });
    });
  });

  orExpr = this.RULE('orExpr', () => {
    this.SUBRULE(this.cmpExpr, { LABEL: 'operands' });
    this.MANY(() => {
      this.CONSUME(LogicOp, { LABEL: 'ops' });
      this.SUBRULE2(this.cmpExpr, { LABEL: 'operands' });
    });
  });

  cmpExpr = this.RULE('cmpExpr', () => {
    this.SUBRULE(this.addExpr, { LABEL: 'operands' });
    this.MANY(() => {
      this.CONSUME(CmpOp, { LABEL: 'ops' });
      this.SUBRULE2(this.addExpr, { LABEL: 'operands' });
    });
  });

  addExpr = this.RULE('addExpr', () => {
    this.SUBRULE(this.mulExpr, { LABEL: 'operands' });
    this.MANY(() => {
      this.CONSUME(AddOp, { LABEL: 'ops' });
      this.SUBRULE2(this.mulExpr, { LABEL: 'operands' });
    });
  });

  mulExpr = this.RULE('mulExpr', () => {
    this.SUBRULE(this.powExpr, { LABEL: 'operands' });
    this.MANY(() => {
      this.CONSUME(MulOp, { LABEL: 'ops' });
      this.SUBRULE2(this.powExpr, { LABEL: 'operands' });
    });
  });

  powExpr = this.RULE('powExpr', () => {
    this.SUBRULE(this.unaryExpr, { LABEL: 'base' });
    this.OPTION(() => {
      this.CONSUME(Caret, { LABEL: 'op' });
      this.SUBRULE(this.powExpr, { LABEL: 'exponent' });
    });
  });

  unaryExpr = this.RULE('unaryExpr', () => {
    this.OR([
      {
        ALT: () => {
          this.OR2([{ ALT: () => this.CONSUME(Minus, { LABEL: 'op' }) }, { ALT: () => this.CONSUME(Bang, { LABEL: 'op' }) }]);
          this.SUBRULE(this.powExpr, { LABEL: 'operand' });
        },
      },
      { ALT: () => this.SUBRULE(this.primary, { LABEL: 'operand' }) },
    ]);
  });

  primary = this.RULE('primary', () => {
    this.OR([
      {
        ALT: () => {
          this.CONSUME(LCurly);
          this.OPTION(() => this.SUBRULE(this.orExpr, { LABEL: 'body' }));
          this.CONSUME(RCurly);
        },
      },
      {
        ALT: () => {
          this.CONSUME(LParen);
          this.SUBRULE(this.pipeline, { LABEL: 'inner' });
          this.CONSUME(RParen);
        },
      },
      { ALT: () => this.CONSUME(StringLit, { LABEL: 'literal' }) },
      { ALT: () => this.CONSUME(RawString, { LABEL: 'literal' }) },
      { ALT: () => this.CONSUME(Integer, { LABEL: 'literal' }) },
      { ALT: () => this.CONSUME(Float, { LABEL: 'literal' }) },
      { ALT: () => this.CONSUME(Duration, { LABEL: 'literal' }) },
      { ALT: () => this.CONSUME(True, { LABEL: 'literal' }) },
      { ALT: () => this.CONSUME(False, { LABEL: 'literal' }) },
      { ALT: () => this.CONSUME(Nil, { LABEL: 'literal' }) },
      { ALT: () => this.CONSUME(EnumKw, { LABEL: 'literal' }) },
      { ALT: () => this.CONSUME(Attribute, { LABEL: 'attribute' }) },
      { ALT: () => this.CONSUME(ScopedIntrinsic, { LABEL: 'intrinsic' }) },
      { ALT: () => this.CONSUME(IntrinsicKw, { LABEL: 'intrinsic' }) },
      {
        ALT: () => {
          this.CONSUME(FunctionKw, { LABEL: 'fn' });
          this.SUBRULE(this.callArgs, { LABEL: 'args' });
          this.OPTION2(() => {
            this.CONSUME(By, { LABEL: 'by' });
            this.SUBRULE2(this.callArgs, { LABEL: 'byArgs' });
          });
        },
      },
      {
        ALT: () => {
          this.CONSUME2(By, { LABEL: 'fn' });
          this.SUBRULE3(this.callArgs, { LABEL: 'args' });
        },
      },
      {
        ALT: () => {
          this.CONSUME(Identifier, { LABEL: 'identifier' });
          this.OPTION3(() => this.SUBRULE4(this.callArgs, { LABEL: 'args' }));
        },
      },
    ]);
  });

  callArgs = this.RULE('callArgs', () => {
    this.CONSUME(LParen);
    this.MANY_SEP({ SEP: Comma, DEF: () => this.SUBRULE(this.orExpr, { LABEL: 'args' }) });
    this.CONSUME(RParen);
  });
}

/** The one parser instance. Not reentrant: parse() finishes before it is used again. */
export const parser = new TraceqlParser();

/** Parses tokens into a CST; errors are in `parser.errors` afterwards. */
export function parseTokens(tokens: IToken[]): CstNode {
  parser.input = tokens;
  return parser.query();
}
