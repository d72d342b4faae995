/**
 * The tokens of CQL (LANGUAGE.md section 1), defined once. They feed the lexer, the parser, the
 * TextMate grammar and the railroad diagrams in grammar/.
 *
 * Keywords are case-insensitive. Reserved keywords can only be used as identifiers in
 * back-quotes. Contextual keywords (`STREAM`, `LAST`, `SIZE`, …) are keywords only where the
 * grammar expects them and plain identifiers everywhere else, so a column may be called `size`
 * or `last`. Type names, duration units and function names are identifiers, checked by the
 * analyser, which can then suggest a correction for a misspelling.
 */
import { createToken, Lexer, type TokenType } from 'chevrotain';

export const Identifier = createToken({ name: 'Identifier', label: 'a name', pattern: /[A-Za-z_][A-Za-z0-9_]*/ });
export const QuotedIdentifier = createToken({
  name: 'QuotedIdentifier',
  pattern: /`(?:[^`\n]|``)*`/,
  categories: [Identifier],
});
export const UnterminatedQuotedIdentifier = createToken({
  name: 'UnterminatedQuotedIdentifier',
  pattern: /`(?:[^`\n]|``)*/,
  group: 'errors',
});

/** Every keyword, with whether it is reserved. Order matters only for the lexer's longer_alt. */
export interface KeywordInfo {
  readonly token: TokenType;
  readonly word: string;
  readonly reserved: boolean;
}
export const keywords: KeywordInfo[] = [];

function keyword(word: string, reserved: boolean): TokenType {
  const token = createToken({
    name: word[0] + word.slice(1).toLowerCase().replace(/_(\w)/g, (_, c: string) => c.toUpperCase()),
    label: `'${word}'`,
    pattern: new RegExp(`${word}(?![A-Za-z0-9_])`, 'i'),
    longer_alt: Identifier,
    categories: reserved ? [] : [Identifier],
  });
  keywords.push({ token, word, reserved });
  return token;
}

// Reserved keywords.
export const Select = keyword('SELECT', true);
export const From = keyword('FROM', true);
export const Where = keyword('WHERE', true);
export const Group = keyword('GROUP', true);
export const By = keyword('BY', true);
export const Having = keyword('HAVING', true);
export const Window = keyword('WINDOW', true);
export const Emit = keyword('EMIT', true);
export const Create = keyword('CREATE', true);
export const Drop = keyword('DROP', true);
export const Explain = keyword('EXPLAIN', true);
export const As = keyword('AS', true);
export const With = keyword('WITH', true);
export const Pattern = keyword('PATTERN', true);
export const Partition = keyword('PARTITION', true);
export const Within = keyword('WITHIN', true);
export const Using = keyword('USING', true);
export const After = keyword('AFTER', true);
export const Join = keyword('JOIN', true);
export const Inner = keyword('INNER', true);
export const Left = keyword('LEFT', true);
export const Right = keyword('RIGHT', true);
export const Full = keyword('FULL', true);
export const Outer = keyword('OUTER', true);
export const On = keyword('ON', true);
export const And = keyword('AND', true);
export const Or = keyword('OR', true);
export const Not = keyword('NOT', true);
export const Is = keyword('IS', true);
export const Null = keyword('NULL', true);
export const In = keyword('IN', true);
export const Between = keyword('BETWEEN', true);
export const Like = keyword('LIKE', true);
export const Case = keyword('CASE', true);
export const When = keyword('WHEN', true);
export const Then = keyword('THEN', true);
export const Else = keyword('ELSE', true);
export const End = keyword('END', true);
export const Cast = keyword('CAST', true);
export const True = keyword('TRUE', true);
export const False = keyword('FALSE', true);
export const Distinct = keyword('DISTINCT', true);

// Contextual keywords: identifiers outside the places the grammar names them.
export const Stream = keyword('STREAM', false);
export const Table = keyword('TABLE', false);
export const Aggregate = keyword('AGGREGATE', false);
export const Function = keyword('FUNCTION', false);
export const Primary = keyword('PRIMARY', false);
export const Key = keyword('KEY', false);
export const Tumbling = keyword('TUMBLING', false);
export const Hopping = keyword('HOPPING', false);
export const Session = keyword('SESSION', false);
export const Sliding = keyword('SLIDING', false);
export const Size = keyword('SIZE', false);
export const Advance = keyword('ADVANCE', false);
export const Final = keyword('FINAL', false);
export const Changes = keyword('CHANGES', false);
export const Skip = keyword('SKIP', false);
export const Till = keyword('TILL', false);
export const Next = keyword('NEXT', false);
export const Any = keyword('ANY', false);
export const Match = keyword('MATCH', false);
export const Strict = keyword('STRICT', false);
export const Contiguity = keyword('CONTIGUITY', false);
export const Past = keyword('PAST', false);
export const Last = keyword('LAST', false);
export const Event = keyword('EVENT', false);
// SQL's keyword arguments: SUBSTRING(s FROM i FOR n), TRIM(LEADING 'x' FROM s).
export const For = keyword('FOR', false);
export const Both = keyword('BOTH', false);
export const Leading = keyword('LEADING', false);
export const Trailing = keyword('TRAILING', false);

// Literals.
export const NumberLiteral = createToken({
  name: 'NumberLiteral',
  label: 'a number',
  pattern: /(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?/,
});
export const StringLiteral = createToken({
  name: 'StringLiteral',
  label: 'a string',
  pattern: /'(?:[^']|'')*'/,
});
export const UnterminatedString = createToken({
  name: 'UnterminatedString',
  pattern: /'(?:[^'\n]|'')*/,
  group: 'errors',
});

// Punctuation and operators. Longer ones first.
export const Arrow = createToken({ name: 'Arrow', label: "'->'", pattern: /->/ });
export const Concat = createToken({ name: 'Concat', label: "'||'", pattern: /\|\|/ });
export const NotEquals = createToken({ name: 'NotEquals', label: "'!='", pattern: /!=|<>/ });
export const LessEquals = createToken({ name: 'LessEquals', label: "'<='", pattern: /<=/ });
export const GreaterEquals = createToken({ name: 'GreaterEquals', label: "'>='", pattern: />=/ });
export const Less = createToken({ name: 'Less', label: "'<'", pattern: /</ });
export const Greater = createToken({ name: 'Greater', label: "'>'", pattern: />/ });
export const Equals = createToken({ name: 'Equals', label: "'='", pattern: /=/ });
export const Plus = createToken({ name: 'Plus', label: "'+'", pattern: /\+/ });
export const Minus = createToken({ name: 'Minus', label: "'-'", pattern: /-/ });
export const Star = createToken({ name: 'Star', label: "'*'", pattern: /\*/ });
export const Slash = createToken({ name: 'Slash', label: "'/'", pattern: /\// });
export const Percent = createToken({ name: 'Percent', label: "'%'", pattern: /%/ });
export const Question = createToken({ name: 'Question', label: "'?'", pattern: /\?/ });
export const LParen = createToken({ name: 'LParen', label: "'('", pattern: /\(/ });
export const RParen = createToken({ name: 'RParen', label: "')'", pattern: /\)/ });
export const LBracket = createToken({ name: 'LBracket', label: "'['", pattern: /\[/ });
export const RBracket = createToken({ name: 'RBracket', label: "']'", pattern: /]/ });
export const LBrace = createToken({ name: 'LBrace', label: "'{'", pattern: /\{/ });
export const RBrace = createToken({ name: 'RBrace', label: "'}'", pattern: /\}/ });
export const Comma = createToken({ name: 'Comma', label: "','", pattern: /,/ });
export const Dot = createToken({ name: 'Dot', label: "'.'", pattern: /\./ });
export const Semicolon = createToken({ name: 'Semicolon', label: "';'", pattern: /;/ });

// Trivia.
export const WhiteSpace = createToken({ name: 'WhiteSpace', pattern: /\s+/, group: Lexer.SKIPPED });
export const LineComment = createToken({ name: 'LineComment', pattern: /--[^\n\r]*/, group: 'comments' });
/**
 * `/* … *\/`, nesting as in the SQL standard and PostgreSQL: `/* a /* b *\/ c *\/` is one comment.
 * One that never closes is left to UnterminatedComment.
 */
function blockComment(text: string, offset: number): RegExpExecArray | null {
  if (!text.startsWith('/*', offset)) return null;
  let depth = 0;
  for (let i = offset; i < text.length - 1; ) {
    if (text.startsWith('/*', i)) {
      depth++;
      i += 2;
    } else if (text.startsWith('*/', i)) {
      i += 2;
      if (--depth === 0) return [text.slice(offset, i)] as unknown as RegExpExecArray;
    } else i++;
  }
  return null;
}

export const BlockComment = createToken({ name: 'BlockComment', pattern: { exec: blockComment }, line_breaks: true, start_chars_hint: ['/'], group: 'comments' });
/** `"text"`: not CQL (strings take single quotes, names back-quotes); one error, not one per quote. */
export const DoubleQuoted = createToken({
  name: 'DoubleQuoted',
  pattern: /"[^"\n]*"/,
  group: 'errors',
});
export const UnterminatedComment = createToken({
  name: 'UnterminatedComment',
  pattern: /\/\*[\s\S]*/,
  group: 'errors',
});

/** The lexer's token list, in matching order. */
export const allTokens: TokenType[] = [
  WhiteSpace,
  LineComment,
  BlockComment,
  UnterminatedComment,
  DoubleQuoted,
  Arrow,
  ...keywords.map((k) => k.token),
  QuotedIdentifier,
  UnterminatedQuotedIdentifier,
  Identifier,
  NumberLiteral,
  StringLiteral,
  UnterminatedString,
  Concat,
  NotEquals,
  LessEquals,
  GreaterEquals,
  Less,
  Greater,
  Equals,
  Plus,
  Minus,
  Star,
  Slash,
  Percent,
  Question,
  LParen,
  RParen,
  LBracket,
  RBracket,
  LBrace,
  RBrace,
  Comma,
  Dot,
  Semicolon,
];

export const cqlLexer = new Lexer(allTokens, { ensureOptimizations: false, positionTracking: 'full' });
