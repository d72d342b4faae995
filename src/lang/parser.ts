/**
 * The grammar of CQL (LANGUAGE.md sections 1-9) as a chevrotain CST parser: grammar only, no
 * actions. `cst-to-ast.ts` turns the concrete tree into the AST. Error recovery is on, so one
 * parse reports every syntax error of a script.
 *
 * The grammar is deliberately a little wider than the language in a few places (clauses in any
 * order, any sequence inside a pattern group, a quantifier on a group, `RIGHT`/`FULL` joins,
 * `CREATE AGGREGATE`), so that the analyser can report a precise error or "not supported yet"
 * where a parser could only say "unexpected token".
 */
import { CstParser, EOF, tokenMatcher, type IParserErrorMessageProvider, type TokenType, type IToken } from 'chevrotain';
import * as T from './tokens.js';

/** Tokens that CONSUME(Identifier) already accepts, through their category. */
const IDENTIFIER_LIKE = new Set<TokenType>([
  T.QuotedIdentifier,
  ...T.keywords.filter((k) => !k.reserved).map((k) => k.token),
]);

/** What a rule stands for, in the words of an error message. */
const RULE_DESCRIPTIONS: Record<string, string> = {
  script: 'a statement',
  query: "an expression or '*'",
  expression: 'an expression',
  andExpression: 'an expression',
  notExpression: 'an expression',
  comparison: 'an expression',
  predicate: 'an expression',
  isNullTest: "'IS'",
  concatenation: 'an expression',
  additive: 'an expression',
  multiplicative: 'an expression',
  postfix: 'an expression',
  nameOrCall: 'an expression',
  caseExpression: 'an expression',
  castExpression: 'an expression',
  patternSequence: 'a pattern element',
  columnList: 'a column definition',
  tableElements: 'a column definition',
  withClause: 'an option',
  partitionKey: 'a column name',
  statement: 'a statement (CREATE, DROP, EXPLAIN or SELECT)',
  createStatement: "STREAM or TABLE after 'CREATE'",
  createStreamBody: "a column list '(', 'WITH' or 'AS' after the stream's name",
  tableElement: 'a column definition or PRIMARY KEY',
  optionValue: 'a string, number or boolean',
  selectItem: "an expression or '*'",
  fromSource: "a stream name or 'PATTERN'",
  joinClause: "'JOIN'",
  queryClause: 'a clause',
  windowSpec: 'TUMBLING, HOPPING, SLIDING or SESSION',
  windowParam: "SIZE, ADVANCE BY or a duration",
  strategy: 'SKIP TILL NEXT MATCH, SKIP TILL ANY MATCH or STRICT CONTIGUITY',
  patternElement: 'a pattern element',
  quantifier: "a quantifier: '+', '*', '?' or '{n,m}'",
  predicateTail: "IN, BETWEEN or LIKE",
  primary: 'an expression',
  unary: 'an expression',
  literal: 'a literal',
};

function describeToken(token: IToken): string {
  if (token.tokenType === EOF) return 'end of script';
  return `'${token.image}'`;
}

function describeExpected(ruleName: string, paths: TokenType[][][]): string {
  const description = RULE_DESCRIPTIONS[ruleName];
  const firsts = new Set<string>();
  for (const alternative of paths) {
    for (const path of alternative) {
      const first = path[0];
      if (first) firsts.add(first.LABEL ?? first.name);
    }
  }
  if (firsts.size > 4 || firsts.size === 0) return description ?? 'something else';
  const list = [...firsts];
  if (list.length === 1) return list[0]!;
  return `one of ${list.join(', ')}`;
}

const errorMessages: IParserErrorMessageProvider = {
  buildMismatchTokenMessage({ expected, actual }) {
    if (expected === EOF) return `unexpected ${describeToken(actual)}: expected ';' or the start of a statement`;
    return `expected ${expected.LABEL ?? expected.name} but found ${describeToken(actual)}`;
  },
  buildNotAllInputParsedMessage({ firstRedundant }) {
    return `unexpected ${describeToken(firstRedundant)}: expected the end of the statement`;
  },
  buildNoViableAltMessage({ expectedPathsPerAlt, actual, ruleName }) {
    return `unexpected ${describeToken(actual[0]!)}: expected ${describeExpected(ruleName, expectedPathsPerAlt)}`;
  },
  buildEarlyExitMessage({ expectedIterationPaths, actual, ruleName }) {
    return `unexpected ${describeToken(actual[0]!)}: expected ${describeExpected(ruleName, [expectedIterationPaths])}`;
  },
};

export class CqlParser extends CstParser {
  constructor() {
    super(T.allTokens, {
      recoveryEnabled: true,
      maxLookahead: 4,
      nodeLocationTracking: 'full',
      errorMessageProvider: errorMessages,
    });
    this.performSelfAnalysis();
  }

  // ------------------------------------------------------------------------------ statements

  public script = this.RULE('script', () => {
    this.MANY(() => {
      this.OR([
        { ALT: () => this.CONSUME(T.Semicolon) },
        { ALT: () => this.SUBRULE(this.statement) },
      ]);
    });
  });

  public statement = this.RULE('statement', () => {
    this.OR([
      { ALT: () => this.SUBRULE(this.createStatement) },
      { ALT: () => this.SUBRULE(this.dropStatement) },
      { ALT: () => this.SUBRULE(this.explainStatement) },
      { ALT: () => this.SUBRULE(this.query) },
    ]);
  });

  public createStatement = this.RULE('createStatement', () => {
    this.CONSUME(T.Create);
    this.OR([
      {
        ALT: () => {
          this.CONSUME(T.Stream);
          this.CONSUME(T.Identifier);
          this.SUBRULE(this.createStreamBody);
        },
      },
      {
        ALT: () => {
          this.CONSUME(T.Table);
          this.CONSUME2(T.Identifier);
          this.SUBRULE(this.tableElements);
          this.OPTION(() => this.SUBRULE(this.withClause));
        },
      },
      // Recognised only to be reported as not supported (LANGUAGE.md section 12).
      {
        ALT: () => {
          this.OR2([
            { ALT: () => this.CONSUME(T.Aggregate) },
            { ALT: () => this.CONSUME(T.Function) },
          ]);
          this.CONSUME3(T.Identifier);
          this.MANY(() => this.SUBRULE(this.anyToken));
        },
      },
    ]);
  });

  /** Everything up to the end of the statement (for statements parsed only to be rejected). */
  public anyToken = this.RULE('anyToken', () => {
    this.OR(
      T.allTokens
        .filter((t) => t !== T.Semicolon && t.GROUP === undefined && !IDENTIFIER_LIKE.has(t))
        .map((t) => ({ ALT: () => this.CONSUME(t) })),
    );
  });

  public createStreamBody = this.RULE('createStreamBody', () => {
    this.OR([
      {
        ALT: () => {
          this.SUBRULE(this.columnList);
          this.OPTION(() => this.SUBRULE(this.withClause));
        },
      },
      {
        ALT: () => {
          this.OPTION2(() => this.SUBRULE2(this.withClause));
          this.CONSUME(T.As);
          this.SUBRULE(this.query);
        },
      },
    ]);
  });

  public columnList = this.RULE('columnList', () => {
    this.CONSUME(T.LParen);
    this.AT_LEAST_ONE_SEP({ SEP: T.Comma, DEF: () => this.SUBRULE(this.columnDef) });
    this.CONSUME(T.RParen);
  });

  public tableElements = this.RULE('tableElements', () => {
    this.CONSUME(T.LParen);
    this.AT_LEAST_ONE_SEP({ SEP: T.Comma, DEF: () => this.SUBRULE(this.tableElement) });
    this.CONSUME(T.RParen);
  });

  public tableElement = this.RULE('tableElement', () => {
    this.OR([
      {
        GATE: () => this.LA(2).tokenType === T.Key && this.LA(3).tokenType === T.LParen,
        ALT: () => this.SUBRULE(this.primaryKeyClause),
      },
      { ALT: () => this.SUBRULE(this.columnDef) },
    ]);
  });

  public primaryKeyClause = this.RULE('primaryKeyClause', () => {
    this.CONSUME(T.Primary);
    this.CONSUME(T.Key);
    this.CONSUME(T.LParen);
    this.CONSUME(T.Identifier);
    this.CONSUME(T.RParen);
  });

  public columnDef = this.RULE('columnDef', () => {
    this.CONSUME(T.Identifier);
    this.CONSUME2(T.Identifier, { LABEL: 'type' });
    this.MANY(() => {
      this.OR([
        {
          ALT: () => {
            this.CONSUME(T.Not);
            this.CONSUME(T.Null);
          },
        },
        {
          ALT: () => {
            this.CONSUME(T.Primary);
            this.CONSUME(T.Key);
          },
        },
      ]);
    });
  });

  public withClause = this.RULE('withClause', () => {
    this.CONSUME(T.With);
    this.CONSUME(T.LParen);
    this.AT_LEAST_ONE_SEP({ SEP: T.Comma, DEF: () => this.SUBRULE(this.withOption) });
    this.CONSUME(T.RParen);
  });

  public withOption = this.RULE('withOption', () => {
    this.CONSUME(T.Identifier);
    this.CONSUME(T.Equals);
    this.SUBRULE(this.optionValue);
  });

  public optionValue = this.RULE('optionValue', () => {
    this.OR([
      { ALT: () => this.CONSUME(T.StringLiteral) },
      {
        ALT: () => {
          this.OPTION(() => this.CONSUME(T.Minus));
          this.CONSUME(T.NumberLiteral);
        },
      },
      { ALT: () => this.CONSUME(T.True) },
      { ALT: () => this.CONSUME(T.False) },
    ]);
  });

  public dropStatement = this.RULE('dropStatement', () => {
    this.CONSUME(T.Drop);
    this.OR([{ ALT: () => this.CONSUME(T.Stream) }, { ALT: () => this.CONSUME(T.Table) }]);
    this.CONSUME(T.Identifier);
  });

  public explainStatement = this.RULE('explainStatement', () => {
    this.CONSUME(T.Explain);
    this.OR([
      { ALT: () => this.SUBRULE(this.createStatement) },
      { ALT: () => this.SUBRULE(this.query) },
    ]);
  });

  // --------------------------------------------------------------------------------- queries

  public query = this.RULE('query', () => {
    this.CONSUME(T.Select);
    this.AT_LEAST_ONE_SEP({ SEP: T.Comma, DEF: () => this.SUBRULE(this.selectItem) });
    this.CONSUME(T.From);
    this.SUBRULE(this.fromSource);
    this.MANY(() => this.SUBRULE(this.queryClause));
  });

  public selectItem = this.RULE('selectItem', () => {
    this.OR([
      { ALT: () => this.CONSUME(T.Star) },
      {
        GATE: () => this.LA(2).tokenType === T.Dot && this.LA(3).tokenType === T.Star,
        ALT: () => {
          this.CONSUME(T.Identifier, { LABEL: 'qualifier' });
          this.CONSUME(T.Dot);
          this.CONSUME2(T.Star);
        },
      },
      {
        ALT: () => {
          this.SUBRULE(this.expression);
          this.OPTION(() => {
            this.CONSUME(T.As);
            this.CONSUME2(T.Identifier, { LABEL: 'alias' });
          });
        },
      },
    ]);
  });

  public fromSource = this.RULE('fromSource', () => {
    this.OR([
      {
        ALT: () => {
          this.CONSUME(T.Pattern);
          this.SUBRULE(this.patternSequence);
        },
      },
      {
        ALT: () => {
          this.SUBRULE(this.streamRef);
          this.MANY(() => this.SUBRULE(this.joinClause));
        },
      },
    ]);
  });

  public streamRef = this.RULE('streamRef', () => {
    this.CONSUME(T.Identifier, { LABEL: 'name' });
    this.OPTION(() => {
      this.OPTION2(() => this.CONSUME(T.As));
      this.CONSUME2(T.Identifier, { LABEL: 'alias' });
    });
  });

  public joinClause = this.RULE('joinClause', () => {
    this.OPTION(() => {
      this.OR([
        { ALT: () => this.CONSUME(T.Inner) },
        { ALT: () => this.CONSUME(T.Left) },
        { ALT: () => this.CONSUME(T.Right) },
        { ALT: () => this.CONSUME(T.Full) },
      ]);
      this.OPTION2(() => this.CONSUME(T.Outer));
    });
    this.CONSUME(T.Join);
    this.SUBRULE(this.streamRef);
    this.OPTION3(() => {
      this.CONSUME(T.Within);
      this.SUBRULE(this.duration);
    });
    this.OPTION4(() => {
      this.CONSUME(T.On);
      this.SUBRULE(this.expression);
    });
  });

  /** The clauses after FROM. Accepted in any order; the analyser reports repeats and misfits. */
  public queryClause = this.RULE('queryClause', () => {
    this.OR([
      { ALT: () => this.SUBRULE(this.windowClause) },
      {
        ALT: () => {
          this.CONSUME(T.Where);
          this.SUBRULE(this.expression, { LABEL: 'where' });
        },
      },
      {
        ALT: () => {
          this.CONSUME(T.Group);
          this.CONSUME(T.By);
          this.AT_LEAST_ONE_SEP({ SEP: T.Comma, DEF: () => this.SUBRULE2(this.expression, { LABEL: 'groupBy' }) });
        },
      },
      {
        ALT: () => {
          this.CONSUME(T.Having);
          this.SUBRULE3(this.expression, { LABEL: 'having' });
        },
      },
      {
        ALT: () => {
          this.CONSUME(T.Emit);
          this.OR2([{ ALT: () => this.CONSUME(T.Final) }, { ALT: () => this.CONSUME(T.Changes) }]);
        },
      },
      {
        ALT: () => {
          this.CONSUME(T.Partition);
          this.CONSUME2(T.By);
          this.AT_LEAST_ONE_SEP2({ SEP: T.Comma, DEF: () => this.SUBRULE(this.partitionKey) });
        },
      },
      {
        ALT: () => {
          this.CONSUME(T.Within);
          this.SUBRULE(this.duration);
        },
      },
      {
        ALT: () => {
          this.CONSUME(T.Using);
          this.SUBRULE(this.strategy);
        },
      },
      {
        ALT: () => {
          this.CONSUME(T.After);
          this.CONSUME(T.Match);
          this.CONSUME(T.Skip);
          this.CONSUME(T.Past);
          this.CONSUME(T.Last);
          this.CONSUME(T.Event);
        },
      },
    ]);
  });

  public partitionKey = this.RULE('partitionKey', () => {
    this.CONSUME(T.Identifier);
    this.OPTION(() => {
      this.CONSUME(T.Dot);
      this.CONSUME2(T.Identifier);
    });
  });

  public strategy = this.RULE('strategy', () => {
    this.OR([
      {
        ALT: () => {
          this.CONSUME(T.Skip);
          this.CONSUME(T.Till);
          this.OR2([{ ALT: () => this.CONSUME(T.Next) }, { ALT: () => this.CONSUME(T.Any) }]);
          this.CONSUME(T.Match);
        },
      },
      {
        ALT: () => {
          this.CONSUME(T.Strict);
          this.CONSUME(T.Contiguity);
        },
      },
    ]);
  });

  public windowClause = this.RULE('windowClause', () => {
    this.CONSUME(T.Window);
    this.OR([
      { ALT: () => this.CONSUME(T.Tumbling) },
      { ALT: () => this.CONSUME(T.Hopping) },
      { ALT: () => this.CONSUME(T.Sliding) },
      { ALT: () => this.CONSUME(T.Session) },
    ]);
    this.CONSUME(T.LParen);
    this.AT_LEAST_ONE_SEP({ SEP: T.Comma, DEF: () => this.SUBRULE(this.windowParam) });
    this.CONSUME(T.RParen);
  });

  public windowParam = this.RULE('windowParam', () => {
    this.OR([
      {
        ALT: () => {
          this.CONSUME(T.Size);
          this.SUBRULE(this.duration);
        },
      },
      {
        ALT: () => {
          this.CONSUME(T.Advance);
          this.CONSUME(T.By);
          this.SUBRULE2(this.duration);
        },
      },
      { ALT: () => this.SUBRULE3(this.duration) },
    ]);
  });

  /** `10 MINUTES`, `100 EVENTS`; the unit is checked by the analyser. */
  public duration = this.RULE('duration', () => {
    this.CONSUME(T.NumberLiteral);
    // `SUBSTRING(s FROM 2 FOR 3)`: FOR is no unit.
    this.OPTION({ GATE: () => this.LA(1).tokenType !== T.For, DEF: () => this.CONSUME(T.Identifier, { LABEL: 'unit' }) });
  });

  // -------------------------------------------------------------------------------- patterns

  public patternSequence = this.RULE('patternSequence', () => {
    this.AT_LEAST_ONE_SEP({ SEP: T.Arrow, DEF: () => this.SUBRULE(this.patternElement) });
  });

  public patternElement = this.RULE('patternElement', () => {
    this.OR([
      {
        ALT: () => {
          this.CONSUME(T.Not);
          this.SUBRULE(this.atom);
        },
      },
      {
        ALT: () => {
          this.CONSUME(T.LParen);
          this.SUBRULE(this.patternSequence);
          this.MANY(() => {
            this.OR2([{ ALT: () => this.CONSUME(T.Or) }, { ALT: () => this.CONSUME(T.And) }]);
            this.SUBRULE2(this.patternSequence);
          });
          this.CONSUME(T.RParen);
          this.OPTION(() => this.SUBRULE(this.quantifier));
        },
      },
      {
        ALT: () => {
          this.SUBRULE2(this.atom);
          this.OPTION2(() => this.SUBRULE2(this.quantifier));
        },
      },
    ]);
  });

  public atom = this.RULE('atom', () => {
    this.OPTION(() => {
      this.CONSUME(T.Identifier, { LABEL: 'alias' });
      this.CONSUME(T.Equals);
    });
    this.CONSUME2(T.Identifier, { LABEL: 'stream' });
    this.OPTION2(() => {
      this.CONSUME(T.LBracket);
      this.SUBRULE(this.expression);
      this.CONSUME(T.RBracket);
    });
  });

  public quantifier = this.RULE('quantifier', () => {
    this.OR([
      { ALT: () => this.CONSUME(T.Plus) },
      { ALT: () => this.CONSUME(T.Star) },
      { ALT: () => this.CONSUME(T.Question) },
      {
        ALT: () => {
          this.CONSUME(T.LBrace);
          this.CONSUME(T.NumberLiteral, { LABEL: 'min' });
          this.OPTION(() => {
            this.CONSUME(T.Comma);
            this.OPTION2(() => this.CONSUME2(T.NumberLiteral, { LABEL: 'max' }));
          });
          this.CONSUME(T.RBrace);
        },
      },
    ]);
  });

  // ----------------------------------------------------------------------------- expressions

  public expression = this.RULE('expression', () => {
    this.SUBRULE(this.andExpression);
    this.MANY(() => {
      this.CONSUME(T.Or);
      this.SUBRULE2(this.andExpression);
    });
  });

  public andExpression = this.RULE('andExpression', () => {
    this.SUBRULE(this.notExpression);
    this.MANY(() => {
      this.CONSUME(T.And);
      this.SUBRULE2(this.notExpression);
    });
  });

  public notExpression = this.RULE('notExpression', () => {
    this.OR([
      {
        ALT: () => {
          this.CONSUME(T.Not);
          this.SUBRULE(this.notExpression);
        },
      },
      { ALT: () => this.SUBRULE(this.comparison) },
    ]);
  });

  /**
   * SQL's precedence (PostgreSQL's), loosest first: `IS [NOT] NULL`, then one comparison (`=`,
   * `<`, … do not chain), then `[NOT] IN`, `BETWEEN` and `LIKE`, then `||` and arithmetic:
   * `a = b IS NULL` is `(a = b) IS NULL`, `x BETWEEN 1 AND 3 = TRUE` is `(x BETWEEN 1 AND 3) = TRUE`.
   */
  public comparison = this.RULE('comparison', () => {
    this.SUBRULE(this.predicate, { LABEL: 'left' });
    this.OPTION(() => {
      this.OR([
        { ALT: () => this.CONSUME(T.Equals, { LABEL: 'op' }) },
        { ALT: () => this.CONSUME(T.NotEquals, { LABEL: 'op' }) },
        { ALT: () => this.CONSUME(T.Less, { LABEL: 'op' }) },
        { ALT: () => this.CONSUME(T.LessEquals, { LABEL: 'op' }) },
        { ALT: () => this.CONSUME(T.Greater, { LABEL: 'op' }) },
        { ALT: () => this.CONSUME(T.GreaterEquals, { LABEL: 'op' }) },
      ]);
      this.SUBRULE2(this.predicate, { LABEL: 'right' });
    });
    this.MANY(() => this.SUBRULE(this.isNullTest));
  });

  public isNullTest = this.RULE('isNullTest', () => {
    this.CONSUME(T.Is);
    this.OPTION(() => this.CONSUME(T.Not));
    this.CONSUME(T.Null);
  });

  public predicate = this.RULE('predicate', () => {
    this.SUBRULE(this.concatenation);
    this.OPTION(() => this.SUBRULE(this.predicateTail));
  });

  /** `[NOT] IN (…)`, `[NOT] BETWEEN … AND …`, `[NOT] LIKE …` after an operand. */
  public predicateTail = this.RULE('predicateTail', () => {
    this.OPTION(() => this.CONSUME(T.Not));
    this.OR([
      {
        ALT: () => {
          this.CONSUME(T.In);
          this.CONSUME(T.LParen);
          this.AT_LEAST_ONE_SEP({ SEP: T.Comma, DEF: () => this.SUBRULE(this.expression, { LABEL: 'list' }) });
          this.CONSUME(T.RParen);
        },
      },
      {
        ALT: () => {
          this.CONSUME(T.Between);
          this.SUBRULE2(this.concatenation, { LABEL: 'low' });
          this.CONSUME(T.And);
          this.SUBRULE3(this.concatenation, { LABEL: 'high' });
        },
      },
      {
        ALT: () => {
          this.CONSUME(T.Like);
          this.SUBRULE4(this.concatenation, { LABEL: 'pattern' });
        },
      },
    ]);
  });

  public concatenation = this.RULE('concatenation', () => {
    this.SUBRULE(this.additive);
    this.MANY(() => {
      this.CONSUME(T.Concat);
      this.SUBRULE2(this.additive);
    });
  });

  public additive = this.RULE('additive', () => {
    this.SUBRULE(this.multiplicative);
    this.MANY(() => {
      this.OR([
        { ALT: () => this.CONSUME(T.Plus, { LABEL: 'op' }) },
        { ALT: () => this.CONSUME(T.Minus, { LABEL: 'op' }) },
      ]);
      this.SUBRULE2(this.multiplicative);
    });
  });

  public multiplicative = this.RULE('multiplicative', () => {
    this.SUBRULE(this.unary);
    this.MANY(() => {
      this.OR([
        { ALT: () => this.CONSUME(T.Star, { LABEL: 'op' }) },
        { ALT: () => this.CONSUME(T.Slash, { LABEL: 'op' }) },
        { ALT: () => this.CONSUME(T.Percent, { LABEL: 'op' }) },
      ]);
      this.SUBRULE2(this.unary);
    });
  });

  public unary = this.RULE('unary', () => {
    this.OR([
      {
        ALT: () => {
          this.OR2([
            { ALT: () => this.CONSUME(T.Minus, { LABEL: 'op' }) },
            { ALT: () => this.CONSUME(T.Plus, { LABEL: 'op' }) },
          ]);
          this.SUBRULE(this.unary);
        },
      },
      { ALT: () => this.SUBRULE(this.postfix) },
    ]);
  });

  /** A primary followed by field accesses: `a.payload.user.id`, `LOOKUP(Risk, a.card).score`. */
  public postfix = this.RULE('postfix', () => {
    this.SUBRULE(this.primary);
    this.MANY(() => {
      this.CONSUME(T.Dot);
      this.CONSUME(T.Identifier, { LABEL: 'field' });
    });
  });

  public primary = this.RULE('primary', () => {
    this.OR([
      { ALT: () => this.SUBRULE(this.duration) },
      { ALT: () => this.CONSUME(T.StringLiteral) },
      { ALT: () => this.CONSUME(T.True) },
      { ALT: () => this.CONSUME(T.False) },
      { ALT: () => this.CONSUME(T.Null) },
      {
        ALT: () => {
          this.CONSUME(T.LParen);
          this.SUBRULE(this.expression);
          this.CONSUME(T.RParen);
        },
      },
      { ALT: () => this.SUBRULE(this.caseExpression) },
      { ALT: () => this.SUBRULE(this.castExpression) },
      { ALT: () => this.SUBRULE(this.nameOrCall) },
    ]);
  });

  /**
   * A name, or a call. Besides comma-separated arguments, a call takes SQL's keyword forms
   * `SUBSTRING(s FROM i [FOR n])` and `TRIM([BOTH | LEADING | TRAILING] [chars] FROM s)`; which
   * functions may is the AST builder's to say. After the parentheses, SQL's ordered-set
   * aggregates take `WITHIN GROUP (ORDER BY x [ASC | DESC])` (`PERCENTILE_CONT(0.5) WITHIN GROUP
   * …`): parsed, so that section 12's percentiles are told they are not supported yet.
   */
  public nameOrCall = this.RULE('nameOrCall', () => {
    this.CONSUME(T.Identifier);
    this.OPTION(() => {
      this.CONSUME(T.LParen);
      this.OPTION2(() => {
        this.OR([
          { ALT: () => this.CONSUME(T.Star) },
          {
            // `LEADING` is a side when what follows cannot continue an expression named so.
            GATE: () => this.LA(-1).image.toUpperCase() === 'TRIM' && TRIM_SIDES.includes(this.LA(1).tokenType) && SIDE_FOLLOWERS.some((t) => tokenMatcher(this.LA(2), t)),
            ALT: () => {
              this.OR2(TRIM_SIDES.map((side) => ({ ALT: () => this.CONSUME(side, { LABEL: 'side' }) })));
              this.OPTION4(() => this.SUBRULE2(this.expression, { LABEL: 'args' }));
              this.CONSUME(T.From, { LABEL: 'from' });
              this.SUBRULE3(this.expression, { LABEL: 'source' });
            },
          },
          {
            ALT: () => {
              this.OPTION3(() => this.CONSUME(T.Distinct));
              this.SUBRULE(this.expression, { LABEL: 'args' });
              this.OR3([
                {
                  ALT: () => {
                    this.CONSUME2(T.From, { LABEL: 'from' });
                    this.SUBRULE4(this.expression, { LABEL: 'source' });
                    this.OPTION5(() => {
                      this.CONSUME(T.For);
                      this.SUBRULE5(this.expression, { LABEL: 'length' });
                    });
                  },
                },
                {
                  ALT: () =>
                    this.MANY(() => {
                      this.CONSUME(T.Comma);
                      this.SUBRULE6(this.expression, { LABEL: 'args' });
                    }),
                },
              ]);
            },
          },
        ]);
      });
      this.CONSUME(T.RParen);
      // `WITHIN` alone after a call is a pattern's or a join's bound: only `WITHIN GROUP` is this.
      this.OPTION6({
        GATE: () => this.LA(2).tokenType === T.Group,
        DEF: () => {
          this.CONSUME(T.Within, { LABEL: 'withinGroup' });
          this.CONSUME(T.Group);
          this.CONSUME2(T.LParen);
          this.CONSUME2(T.Identifier, { LABEL: 'order' });
          this.CONSUME(T.By);
          this.SUBRULE7(this.expression, { LABEL: 'orderBy' });
          this.OPTION7(() => this.CONSUME3(T.Identifier, { LABEL: 'direction' }));
          this.CONSUME2(T.RParen);
        },
      });
    });
  });


  public caseExpression = this.RULE('caseExpression', () => {
    this.CONSUME(T.Case);
    this.OPTION(() => this.SUBRULE(this.expression, { LABEL: 'operand' }));
    this.AT_LEAST_ONE(() => {
      this.CONSUME(T.When);
      this.SUBRULE2(this.expression, { LABEL: 'when' });
      this.CONSUME(T.Then);
      this.SUBRULE3(this.expression, { LABEL: 'then' });
    });
    this.OPTION2(() => {
      this.CONSUME(T.Else);
      this.SUBRULE4(this.expression, { LABEL: 'otherwise' });
    });
    this.CONSUME(T.End);
  });

  public castExpression = this.RULE('castExpression', () => {
    this.CONSUME(T.Cast);
    this.CONSUME(T.LParen);
    this.SUBRULE(this.expression);
    this.CONSUME(T.As);
    this.CONSUME(T.Identifier, { LABEL: 'type' });
    this.CONSUME(T.RParen);
  });
}

/** The sides of `TRIM(side [chars] FROM s)`. */
const TRIM_SIDES: readonly TokenType[] = [T.Both, T.Leading, T.Trailing];
/**
 * What may follow a side word: `FROM`, or the start of the characters. Not an operator: with
 * `TRIM(leading - 1)`, `leading` is a column (the side words are not reserved).
 */
const SIDE_FOLLOWERS: readonly TokenType[] = [T.From, T.StringLiteral, T.NumberLiteral, T.Identifier, T.LParen, T.Null, T.Case, T.Cast];

/** The one parser instance: chevrotain parsers are reusable and costly to build. */
export const cqlParser = new CqlParser();
