/**
 * Builds the AST (ast.ts) from the parser's concrete syntax tree. The CST of a statement that
 * recovery patched may lack pieces; such a statement has a syntax error already, so building it
 * stops with `IncompleteSyntax` and the statement is left out of the AST.
 */
import type { CstNode, IToken } from 'chevrotain';
import type * as A from './ast.js';
import { joinSpans, type Span } from '../model/span.js';

export class IncompleteSyntax extends Error {
  /** What is wrong, when the parser accepted the text and only the AST builder can tell. */
  readonly problem: { readonly span: Span; readonly message: string; readonly hint?: string } | undefined;

  constructor(what: string, problem?: { readonly span: Span; readonly message: string; readonly hint?: string }) {
    super(what);
    this.problem = problem;
  }
}

type Children = CstNode['children'];

function isToken(x: CstNode | IToken): x is IToken {
  return (x as IToken).image !== undefined;
}

function tokens(node: CstNode, key: string): IToken[] {
  const list = node.children[key];
  if (!list) return [];
  return list.filter(isToken).filter((t) => !t.isInsertedInRecovery && Number.isFinite(t.startOffset));
}

function nodes(node: CstNode, key: string): CstNode[] {
  const list = node.children[key];
  if (!list) return [];
  return list.filter((x): x is CstNode => !isToken(x));
}

function token(node: CstNode, key: string, index = 0): IToken | undefined {
  return tokens(node, key)[index];
}

function needToken(node: CstNode, key: string, index = 0): IToken {
  const t = token(node, key, index);
  if (!t) throw new IncompleteSyntax(`${node.name}.${key}`);
  return t;
}

function child(node: CstNode, key: string, index = 0): CstNode | undefined {
  return nodes(node, key)[index];
}

function needChild(node: CstNode, key: string, index = 0): CstNode {
  const c = child(node, key, index);
  if (!c) throw new IncompleteSyntax(`${node.name}.${key}`);
  return c;
}

export function tokenSpan(t: IToken): Span {
  return {
    start: t.startOffset,
    end: (t.endOffset ?? t.startOffset) + 1,
    line: t.startLine ?? 1,
    column: t.startColumn ?? 1,
    endLine: t.endLine ?? t.startLine ?? 1,
    endColumn: t.endColumn ?? t.startColumn ?? 1,
  };
}

/** The span of every token under a node (recovery can leave the node's own location NaN). */
function nodeSpan(node: CstNode): Span {
  let first: IToken | undefined;
  let last: IToken | undefined;
  const visit = (n: CstNode): void => {
    for (const list of Object.values(n.children as Children)) {
      for (const x of list) {
        if (isToken(x)) {
          if (x.isInsertedInRecovery || !Number.isFinite(x.startOffset)) continue;
          if (!first || x.startOffset < first.startOffset) first = x;
          if (!last || x.startOffset > last.startOffset) last = x;
        } else {
          visit(x);
        }
      }
    }
  };
  visit(node);
  if (!first || !last) throw new IncompleteSyntax(node.name);
  return joinSpans(tokenSpan(first), tokenSpan(last));
}

/** Every token under a node, in source order. */
export function allTokensOf(node: CstNode): IToken[] {
  const out: IToken[] = [];
  const visit = (n: CstNode): void => {
    for (const list of Object.values(n.children as Children)) {
      for (const x of list) {
        if (isToken(x)) {
          if (!x.isInsertedInRecovery && Number.isFinite(x.startOffset)) out.push(x);
        } else visit(x);
      }
    }
  };
  visit(node);
  return out.sort((a, b) => a.startOffset - b.startOffset);
}

export function nameOf(t: IToken): A.Name {
  const quoted = t.image.startsWith('`');
  const text = quoted ? t.image.slice(1, -1).replace(/``/g, '`') : t.image;
  return { kind: 'Name', text, quoted, span: tokenSpan(t) };
}

// -------------------------------------------------------------------------------- statements

export function buildStatement(node: CstNode): A.Statement {
  const create = child(node, 'createStatement');
  if (create) return buildCreate(create);
  const drop = child(node, 'dropStatement');
  if (drop) {
    const target = token(drop, 'Table') ? 'TABLE' : 'STREAM';
    return { kind: 'DropStatement', target, name: nameOf(needToken(drop, 'Identifier')), span: nodeSpan(drop) };
  }
  const explain = child(node, 'explainStatement');
  if (explain) {
    const inner = child(explain, 'createStatement');
    const statement = inner ? buildCreate(inner) : selectStatement(needChild(explain, 'query'));
    if (statement.kind !== 'CreateStreamAs' && statement.kind !== 'SelectStatement') {
      return { kind: 'UnsupportedStatement', what: 'EXPLAIN of a statement that is not a query', span: nodeSpan(explain) };
    }
    return { kind: 'ExplainStatement', statement, span: nodeSpan(explain) };
  }
  return selectStatement(needChild(node, 'query'));
}

function selectStatement(query: CstNode): A.SelectStatement {
  const q = buildQuery(query);
  return { kind: 'SelectStatement', query: q, span: q.span };
}

function buildCreate(node: CstNode): A.Statement {
  const span = nodeSpan(node);
  if (token(node, 'Aggregate') || token(node, 'Function')) {
    const what = token(node, 'Aggregate') ? 'user-defined aggregates' : 'CREATE FUNCTION (register functions through the library API)';
    return { kind: 'UnsupportedStatement', what, span };
  }
  if (token(node, 'Table')) {
    const name = nameOf(needToken(node, 'Identifier', 0));
    const elements = nodes(needChild(node, 'tableElements'), 'tableElement');
    const columns: A.ColumnDef[] = [];
    let primaryKey: A.Name | undefined;
    for (const element of elements) {
      const pk = child(element, 'primaryKeyClause');
      if (pk) primaryKey = nameOf(needToken(pk, 'Identifier'));
      else columns.push(buildColumnDef(needChild(element, 'columnDef')));
    }
    return { kind: 'CreateTable', name, columns, primaryKey, options: buildOptions(child(node, 'withClause')), span };
  }
  const name = nameOf(needToken(node, 'Identifier'));
  const body = needChild(node, 'createStreamBody');
  const query = child(body, 'query');
  const options = buildOptions(child(body, 'withClause'));
  if (query) return { kind: 'CreateStreamAs', name, options, query: buildQuery(query), span };
  const columns = nodes(needChild(body, 'columnList'), 'columnDef').map(buildColumnDef);
  return { kind: 'CreateStream', name, columns, options, span };
}

function buildColumnDef(node: CstNode): A.ColumnDef {
  const ids = tokens(node, 'Identifier');
  const name = ids[0];
  const type = tokens(node, 'type')[0];
  if (!name || !type) throw new IncompleteSyntax('columnDef');
  return {
    kind: 'ColumnDef',
    name: nameOf(name),
    type: nameOf(type),
    notNull: tokens(node, 'Null').length > 0,
    primaryKey: tokens(node, 'Key').length > 0,
    span: nodeSpan(node),
  };
}

function buildOptions(node: CstNode | undefined): A.WithOption[] {
  if (!node) return [];
  return nodes(node, 'withOption').map((option) => {
    const valueNode = needChild(option, 'optionValue');
    return {
      kind: 'WithOption',
      name: nameOf(needToken(option, 'Identifier')),
      value: buildLiteralValue(valueNode),
      span: nodeSpan(option),
    };
  });
}

function buildLiteralValue(node: CstNode): A.Literal {
  const span = nodeSpan(node);
  const str = token(node, 'StringLiteral');
  if (str) return stringLiteral(str);
  const num = token(node, 'NumberLiteral');
  if (num) {
    const negative = token(node, 'Minus') !== undefined;
    const value = Number(num.image);
    return { kind: 'Literal', value: negative ? -value : value, literalType: 'NUMBER', fractional: /[.eE]/.test(num.image), span };
  }
  return { kind: 'Literal', value: token(node, 'True') !== undefined, literalType: 'BOOLEAN', fractional: false, span };
}

function stringLiteral(t: IToken): A.Literal {
  return {
    kind: 'Literal',
    value: t.image.slice(1, -1).replace(/''/g, "'"),
    literalType: 'STRING',
    fractional: false,
    span: tokenSpan(t),
  };
}

// ----------------------------------------------------------------------------------- queries

type Mutable<T> = { -readonly [K in keyof T]: T[K] };

export function buildQuery(node: CstNode): A.Query {
  const items = nodes(node, 'selectItem').map(buildSelectItem);
  const from = buildFrom(needChild(node, 'fromSource'));
  const q: Mutable<A.Query> = {
    kind: 'Query',
    items,
    from,
    window: undefined,
    where: undefined,
    groupBy: [],
    having: undefined,
    emit: undefined,
    partitionBy: [],
    within: undefined,
    strategy: undefined,
    skipPastLastEvent: undefined,
    misplaced: [],
    clauses: {},
    span: nodeSpan(node),
  };
  const misplaced: { clause: string; span: Span }[] = [];
  const clauses: Partial<Record<A.ClauseName, Span>> = {};
  const once = <K extends A.ClauseName>(key: K, clause: string, span: Span, value: A.Query[K]): void => {
    if (q[key] !== undefined && !(Array.isArray(q[key]) && (q[key] as unknown[]).length === 0)) {
      misplaced.push({ clause: `duplicate ${clause}`, span });
      return;
    }
    q[key] = value;
    clauses[key] = span;
  };
  for (const clause of nodes(node, 'queryClause')) {
    const span = nodeSpan(clause);
    const windowClause = child(clause, 'windowClause');
    if (windowClause) once('window', 'WINDOW clause', span, buildWindow(windowClause));
    else if (token(clause, 'Where')) once('where', 'WHERE clause', span, buildExpr(needChild(clause, 'where')));
    else if (token(clause, 'Group')) once('groupBy', 'GROUP BY clause', span, nodes(clause, 'groupBy').map(buildExpr));
    else if (token(clause, 'Having')) once('having', 'HAVING clause', span, buildExpr(needChild(clause, 'having')));
    else if (token(clause, 'Emit')) once('emit', 'EMIT clause', span, { mode: token(clause, 'Final') ? 'FINAL' : 'CHANGES', span });
    else if (token(clause, 'Partition')) once('partitionBy', 'PARTITION BY clause', span, nodes(clause, 'partitionKey').map(buildPartitionKey));
    else if (token(clause, 'Within')) once('within', 'WITHIN clause', span, buildDuration(needChild(clause, 'duration')));
    else if (token(clause, 'Using')) once('strategy', 'USING clause', span, { strategy: buildStrategy(needChild(clause, 'strategy')), span });
    else if (token(clause, 'After')) once('skipPastLastEvent', 'AFTER MATCH clause', span, span);
    else throw new IncompleteSyntax('queryClause');
  }
  q.misplaced = misplaced;
  q.clauses = clauses;
  return q;
}

function buildSelectItem(node: CstNode): A.SelectItem {
  const span = nodeSpan(node);
  const expr = child(node, 'expression');
  if (expr) {
    const alias = token(node, 'alias');
    return { kind: 'ExprItem', expr: buildExpr(expr), alias: alias ? nameOf(alias) : undefined, span };
  }
  const qualifier = token(node, 'qualifier');
  return { kind: 'StarItem', qualifier: qualifier ? nameOf(qualifier) : undefined, span };
}

function buildFrom(node: CstNode): A.FromStreams | A.FromPattern {
  const span = nodeSpan(node);
  if (token(node, 'Pattern')) {
    return { kind: 'FromPattern', elements: buildSequence(needChild(node, 'patternSequence')), span };
  }
  const source = buildStreamRef(needChild(node, 'streamRef'));
  const joins = nodes(node, 'joinClause').map((j): A.JoinClause => {
    const joinType: A.JoinType = token(j, 'Left') ? 'LEFT' : token(j, 'Right') ? 'RIGHT' : token(j, 'Full') ? 'FULL' : 'INNER';
    const duration = child(j, 'duration');
    const on = child(j, 'expression');
    return {
      kind: 'JoinClause',
      joinType,
      right: buildStreamRef(needChild(j, 'streamRef')),
      within: duration ? buildDuration(duration) : undefined,
      on: on ? buildExpr(on) : undefined,
      span: nodeSpan(j),
    };
  });
  return { kind: 'FromStreams', source, joins, span };
}

function buildStreamRef(node: CstNode): A.StreamRef {
  const alias = token(node, 'alias');
  return { kind: 'StreamRef', name: nameOf(needToken(node, 'name')), alias: alias ? nameOf(alias) : undefined, span: nodeSpan(node) };
}

function buildWindow(node: CstNode): A.WindowSpec {
  const span = nodeSpan(node);
  let size: A.Duration | undefined;
  let advance: A.Duration | undefined;
  let bare: A.Duration | undefined;
  for (const param of nodes(node, 'windowParam')) {
    const d = buildDuration(needChild(param, 'duration'));
    if (token(param, 'Size')) size ??= d;
    else if (token(param, 'Advance')) advance ??= d;
    else bare ??= d;
  }
  if (token(node, 'Session')) return { kind: 'SessionWindow', gap: bare ?? size, span };
  const windowType = token(node, 'Tumbling') ? 'TUMBLING' : token(node, 'Hopping') ? 'HOPPING' : 'SLIDING';
  return { kind: 'TimeWindow', windowType, size: size ?? bare, advance, span };
}

function buildDuration(node: CstNode): A.Duration {
  const num = needToken(node, 'NumberLiteral');
  const unit = token(node, 'unit');
  if (!unit) {
    // The grammar lets a number stand alone (in expressions); a duration needs its unit.
    throw new IncompleteSyntax('duration', {
      span: tokenSpan(num),
      message: `expected a unit after ${num.image}: a duration is a number and a unit`,
      hint: `for example ${num.image} MINUTES; the units are MILLISECONDS, SECONDS, MINUTES, HOURS and DAYS`,
    });
  }
  return { kind: 'Duration', amount: Number(num.image), amountText: num.image, unit: nameOf(unit), span: nodeSpan(node) };
}

function buildStrategy(node: CstNode): A.Strategy {
  if (token(node, 'Strict')) return 'STRICT_CONTIGUITY';
  if (token(node, 'Any')) return 'SKIP_TILL_ANY_MATCH';
  if (token(node, 'Next')) return 'SKIP_TILL_NEXT_MATCH';
  throw new IncompleteSyntax('strategy');
}

function buildPartitionKey(node: CstNode): A.PartitionKey {
  const ids = tokens(node, 'Identifier');
  const span = nodeSpan(node);
  if (ids.length === 2) return { kind: 'PartitionKey', stream: nameOf(ids[0]!), column: nameOf(ids[1]!), span };
  if (ids.length === 1 && !token(node, 'Dot')) return { kind: 'PartitionKey', stream: undefined, column: nameOf(ids[0]!), span };
  throw new IncompleteSyntax('partitionKey');
}

// ---------------------------------------------------------------------------------- patterns

function buildSequence(node: CstNode): A.PatternElement[] {
  const elements = nodes(node, 'patternElement').map(buildElement);
  if (elements.length === 0) throw new IncompleteSyntax('patternSequence');
  return elements;
}

function buildElement(node: CstNode): A.PatternElement {
  const span = nodeSpan(node);
  const quantifierNode = child(node, 'quantifier');
  const quantifier = quantifierNode ? buildQuantifier(quantifierNode) : undefined;
  if (token(node, 'Not')) return { kind: 'NotElement', atom: buildAtom(needChild(node, 'atom')), span };
  if (token(node, 'LParen')) {
    const branches = nodes(node, 'patternSequence').map(buildSequence);
    const hasOr = tokens(node, 'Or').length > 0;
    const hasAnd = tokens(node, 'And').length > 0;
    return {
      kind: 'GroupElement',
      operator: hasOr ? 'OR' : hasAnd ? 'AND' : 'SEQ',
      mixedOperators: hasOr && hasAnd,
      branches,
      quantifier,
      span,
    };
  }
  return { kind: 'AtomElement', atom: buildAtom(needChild(node, 'atom')), quantifier, span };
}

function buildAtom(node: CstNode): A.Atom {
  const alias = token(node, 'alias');
  const condition = child(node, 'expression');
  if (token(node, 'LBracket') && !token(node, 'RBracket')) throw new IncompleteSyntax('atom');
  return {
    kind: 'Atom',
    alias: alias ? nameOf(alias) : undefined,
    stream: nameOf(needToken(node, 'stream')),
    condition: condition ? buildExpr(condition) : undefined,
    span: nodeSpan(node),
  };
}

function buildQuantifier(node: CstNode): A.Quantifier {
  const span = nodeSpan(node);
  if (token(node, 'Plus')) return { kind: 'Quantifier', min: 1, max: Infinity, text: '+', span };
  if (token(node, 'Star')) return { kind: 'Quantifier', min: 0, max: Infinity, text: '*', span };
  if (token(node, 'Question')) return { kind: 'Quantifier', min: 0, max: 1, text: '?', span };
  const min = needToken(node, 'min');
  needToken(node, 'RBrace');
  const max = token(node, 'max');
  const comma = token(node, 'Comma');
  const minValue = Number(min.image);
  const maxValue = max ? Number(max.image) : comma ? Infinity : minValue;
  const text = `{${min.image}${comma ? ',' : ''}${max ? max.image : ''}}`;
  return { kind: 'Quantifier', min: minValue, max: maxValue, text, span };
}

// ------------------------------------------------------------------------------- expressions

const BINARY_RULES: Record<string, { child: string; op?: A.BinaryOp }> = {
  expression: { child: 'andExpression', op: 'OR' },
  andExpression: { child: 'notExpression', op: 'AND' },
  concatenation: { child: 'additive', op: '||' },
  additive: { child: 'multiplicative' },
  multiplicative: { child: 'unary' },
};

function binary(op: A.BinaryOp, left: A.Expr, right: A.Expr, opSpan: Span): A.Binary {
  return { kind: 'Binary', op, left, right, opSpan, span: joinSpans(left.span, right.span) };
}

function operatorOf(t: IToken): A.BinaryOp {
  const image = t.image.toUpperCase();
  return (image === '<>' ? '!=' : image) as A.BinaryOp;
}

export function buildExpr(node: CstNode): A.Expr {
  const rule = BINARY_RULES[node.name];
  if (rule) {
    const operands = nodes(node, rule.child).map(buildExpr);
    if (operands.length === 0) throw new IncompleteSyntax(node.name);
    const ops = rule.op
      ? tokens(node, rule.op === 'OR' ? 'Or' : rule.op === 'AND' ? 'And' : 'Concat')
      : tokens(node, 'op');
    if (ops.length !== operands.length - 1) throw new IncompleteSyntax(node.name);
    let result = operands[0]!;
    for (let i = 1; i < operands.length; i++) {
      const opToken = ops[i - 1]!;
      result = binary(rule.op ?? operatorOf(opToken), result, operands[i]!, tokenSpan(opToken));
    }
    return result;
  }
  switch (node.name) {
    case 'notExpression': {
      const inner = child(node, 'notExpression');
      if (inner) {
        const not = needToken(node, 'Not');
        const operand = buildExpr(inner);
        return { kind: 'Unary', op: 'NOT', operand, span: joinSpans(tokenSpan(not), operand.span) };
      }
      return buildExpr(needChild(node, 'comparison'));
    }
    case 'comparison': {
      let result = buildExpr(needChild(node, 'left'));
      const op = token(node, 'op');
      if (op) result = binary(operatorOf(op), result, buildExpr(needChild(node, 'right')), tokenSpan(op));
      for (const test of nodes(node, 'isNullTest')) {
        needToken(test, 'Null');
        result = { kind: 'IsNull', operand: result, negated: token(test, 'Not') !== undefined, span: joinSpans(result.span, nodeSpan(test)) };
      }
      return result;
    }
    case 'predicate': {
      const left = buildExpr(needChild(node, 'concatenation'));
      const tail = child(node, 'predicateTail');
      return tail ? buildPredicateTail(left, tail) : left;
    }
    case 'unary': {
      const inner = child(node, 'unary');
      if (inner) {
        const op = needToken(node, 'op');
        const operand = buildExpr(inner);
        return { kind: 'Unary', op: op.image === '-' ? '-' : '+', operand, span: joinSpans(tokenSpan(op), operand.span) };
      }
      return buildExpr(needChild(node, 'postfix'));
    }
    case 'postfix': {
      let result = buildPrimary(needChild(node, 'primary'));
      for (const field of tokens(node, 'field')) {
        result = { kind: 'FieldAccess', base: result, field: nameOf(field), span: joinSpans(result.span, tokenSpan(field)) };
      }
      if (tokens(node, 'field').length !== tokens(node, 'Dot').length) throw new IncompleteSyntax('postfix');
      return result;
    }
    default:
      throw new IncompleteSyntax(node.name);
  }
}

/** `[NOT] IN`, `BETWEEN` or `LIKE` applied to `left`. */
function buildPredicateTail(left: A.Expr, tail: CstNode): A.Expr {
  const span = joinSpans(left.span, nodeSpan(tail));
  const negated = token(tail, 'Not') !== undefined;
  if (token(tail, 'In')) {
    needToken(tail, 'RParen');
    return { kind: 'InList', operand: left, list: nodes(tail, 'list').map(buildExpr), negated, span };
  }
  if (token(tail, 'Between')) {
    return {
      kind: 'Between',
      operand: left,
      low: buildExpr(needChild(tail, 'low')),
      high: buildExpr(needChild(tail, 'high')),
      negated,
      span,
    };
  }
  if (token(tail, 'Like')) return { kind: 'Like', operand: left, pattern: buildExpr(needChild(tail, 'pattern')), negated, span };
  throw new IncompleteSyntax('predicateTail');
}

function buildPrimary(node: CstNode): A.Expr {
  const span = nodeSpan(node);
  const duration = child(node, 'duration');
  if (duration) {
    const num = needToken(duration, 'NumberLiteral');
    const unit = token(duration, 'unit');
    if (unit) return buildDuration(duration);
    const value = Number(num.image);
    return { kind: 'Literal', value, literalType: 'NUMBER', fractional: /[.eE]/.test(num.image), span };
  }
  const str = token(node, 'StringLiteral');
  if (str) return stringLiteral(str);
  if (token(node, 'True') || token(node, 'False')) {
    return { kind: 'Literal', value: token(node, 'True') !== undefined, literalType: 'BOOLEAN', fractional: false, span };
  }
  if (token(node, 'Null')) return { kind: 'Literal', value: null, literalType: 'NULL', fractional: false, span };
  const inner = child(node, 'expression');
  if (inner) {
    needToken(node, 'RParen');
    // A parenthesised expression's span includes its parentheses.
    return { ...buildExpr(inner), span };
  }
  const caseNode = child(node, 'caseExpression');
  if (caseNode) return buildCase(caseNode);
  const castNode = child(node, 'castExpression');
  if (castNode) {
    needToken(castNode, 'RParen');
    return {
      kind: 'Cast',
      operand: buildExpr(needChild(castNode, 'expression')),
      type: nameOf(needToken(castNode, 'type')),
      span: nodeSpan(castNode),
    };
  }
  const call = needChild(node, 'nameOrCall');
  const name = nameOf(needToken(call, 'Identifier'));
  if (!token(call, 'LParen')) return { kind: 'Identifier', name, span: name.span };
  needToken(call, 'RParen');
  const args = nodes(call, 'args').map(buildExpr);
  const withinGroup = withinGroupOf(call);
  const from = token(call, 'from');
  if (from) return { ...keywordCall(call, name, args, from), ...(withinGroup ? { withinGroup } : {}) };
  return {
    kind: 'FunctionCall',
    name,
    args,
    star: token(call, 'Star') !== undefined,
    distinct: token(call, 'Distinct') !== undefined,
    ...(withinGroup ? { withinGroup } : {}),
    span: nodeSpan(call),
  };
}

/**
 * Where a call's `WITHIN GROUP (ORDER BY x [ASC | DESC])` is, if it has one; the words the parser
 * took as names there must be these.
 */
function withinGroupOf(call: CstNode): Span | undefined {
  const within = token(call, 'withinGroup');
  if (!within) return undefined;
  const wrongWord = (word: IToken, expected: string) =>
    new IncompleteSyntax('within group', { span: tokenSpan(word), message: `expected ${expected} in WITHIN GROUP (…) but found '${word.image}'`, hint: 'WITHIN GROUP (ORDER BY x [ASC | DESC])' });
  const order = needToken(call, 'order');
  if (order.image.toUpperCase() !== 'ORDER') throw wrongWord(order, "'ORDER BY'");
  const direction = token(call, 'direction');
  if (direction && !['ASC', 'DESC'].includes(direction.image.toUpperCase())) throw wrongWord(direction, "'ASC', 'DESC' or ')'");
  return joinSpans(tokenSpan(within), tokenSpan(needToken(call, 'RParen', 1)));
}

/**
 * SQL's keyword forms of two functions, as the plain calls they stand for (PostgreSQL's):
 * `SUBSTRING(s FROM i [FOR n])` is SUBSTRING(s, i [, n]); `TRIM([BOTH] [chars] FROM s)` is
 * BTRIM(s [, chars]), with LEADING LTRIM and with TRAILING RTRIM.
 */
function keywordCall(call: CstNode, name: A.Name, args: A.Expr[], from: IToken): A.FunctionCall {
  const fn = name.text.toUpperCase();
  const source = buildExpr(needChild(call, 'source'));
  const side = token(call, 'side');
  const length = child(call, 'length');
  const plain = (text: string, list: A.Expr[]): A.FunctionCall => ({ kind: 'FunctionCall', name: { ...name, text }, args: list, star: false, distinct: false, span: nodeSpan(call) });
  const distinct = token(call, 'Distinct') !== undefined;
  if (fn === 'SUBSTRING' && !side && !distinct) return plain(name.text, [...args, source, ...(length ? [buildExpr(length)] : [])]);
  if (fn === 'TRIM' && !length && !distinct) {
    const which = side?.image.toUpperCase();
    return plain(which === 'LEADING' ? 'LTRIM' : which === 'TRAILING' ? 'RTRIM' : 'BTRIM', [source, ...args]);
  }
  throw new IncompleteSyntax('keyword arguments', {
    span: tokenSpan(from),
    message: `'FROM' between a call's parentheses belongs to SUBSTRING(s FROM start [FOR length]) and TRIM([BOTH | LEADING | TRAILING] [characters] FROM s), not to ${name.text}(...)`,
  });
}

function buildCase(node: CstNode): A.CaseExpr {
  needToken(node, 'End');
  const whens = nodes(node, 'when');
  const thens = nodes(node, 'then');
  if (whens.length === 0 || whens.length !== thens.length) throw new IncompleteSyntax('case');
  const operand = child(node, 'operand');
  const otherwise = child(node, 'otherwise');
  return {
    kind: 'Case',
    operand: operand ? buildExpr(operand) : undefined,
    whens: whens.map((w, i) => ({ when: buildExpr(w), then: buildExpr(thens[i]!) })),
    otherwise: otherwise ? buildExpr(otherwise) : undefined,
    span: nodeSpan(node),
  };
}
