/**
 * Code generation for the expression compiler (LANGUAGE.md section 4): a bound expression becomes
 * the source text of one straight-line JavaScript function, with SQL's NULL rules; see
 * expressions.ts for the entry points and for building functions from this source. Here: the
 * function around the expression, and what each node kind becomes; the Generator that writes the
 * statements is in expression-generator.ts, function calls are in call-codegen.ts.
 */
import type { BoundExpr } from '../analysis/bound.js';
import { isColumnType } from '../model/types.js';
import { builtinCall, udfCall } from './call-codegen.js';
import { Generator, guarded, mayBeNull, notNull, numberLiteral, type Binding, type Emitters, type GenOptions } from './expression-generator.js';
import { isPrototypeName, objectKey } from '../runtime/row.js';
import { caster } from './values.js';

// ------------------------------------------------------------------------------- generation

export type Mode = 'value' | 'predicate' | 'projection' | 'kleeneArg';

export interface Generated {
  readonly source: string;
  readonly bindings: ReadonlyMap<string, Binding>;
}

export function generate(mode: Mode, items: readonly { name: string; expr: BoundExpr }[], options: GenOptions, strict: boolean): Generated {
  const g = new Generator(options, strict, EMITTERS);
  const body: string[] = [];
  if (mode === 'projection') {
    const names: string[] = [];
    items.forEach((item, i) => {
      const p = `p${i}`;
      names.push(p);
      g.line(`let ${p} = null;`);
      g.open('try');
      g.line(`${p} = ${g.emit(item.expr)};`);
      g.close('catch (e)');
      g.line('fault(e);');
      g.close();
    });
    const fields = items.map((item, i) => `${objectKey(item.name)}: ${names[i]}`);
    g.line(`return { ${fields.join(', ')} };`);
    body.push(...wrapTry(g, `return { ${items.map((item) => `${objectKey(item.name)}: null`).join(', ')} };`));
  } else {
    const expr = items[0]!.expr;
    if (mode === 'predicate') {
      g.line(`return ${g.emitTrue(expr)};`);
      body.push(...wrapTry(g, 'return false;'));
    } else {
      g.line(`return ${g.emit(expr)};`);
      body.push(...wrapTry(g, 'return null;'));
    }
  }
  g.bind('fault', { kind: 'helper', helper: 'fault' });
  const header: string[] = [];
  // What each constant parameter is, for EXPLAIN; not in compiled code, whose text must not
  // depend on the constants (see `literal`).
  if (!strict) {
    for (const [name, binding] of g.bindings) {
      if (binding.kind === 'value') header.push(`  // ${name} = ${binding.describe}`);
    }
  }
  const preamble = mode === 'kleeneArg' && g.usesScope ? ['  if (scope === undefined) scope = emptyScope;'] : [];
  if (preamble.length > 0) g.bind('emptyScope', { kind: 'helper', helper: 'emptyScope' });
  const name = { value: 'cql_expr', predicate: 'cql_predicate', projection: 'cql_projection', kleeneArg: 'cql_kleene_arg' }[mode];
  const source = [`function ${name}(input, scope) {`, ...header, ...preamble, ...body, '}'].join('\n');
  return { source, bindings: g.bindings };
}

/** The body with the row locals first, inside a try whose catch reports and returns `onFault`. */
function wrapTry(g: Generator, onFault: string): string[] {
  return [
    '  try {',
    ...g.locals().map((line) => `    ${line}`),
    ...g.lines,
    '  } catch (e) {',
    '    fault(e);',
    `    ${onFault}`,
    '  }',
  ];
}

/** One emitter per node kind: it writes statements and returns the text of the value (a temporary or a literal). */
const EMITTERS: Emitters = {
  literal: (g, e) => {
    if (e.value === null) return 'null';
    // Compiled code takes string and number literals as parameters of its factory, so that
    // expressions that differ only in their constants (a thousand rules `amount > 500 AND
    // country = 'US'`) share one function and its optimised code; EXPLAIN shows them inline.
    if (g.hoistsLiterals && (typeof e.value === 'number' || typeof e.value === 'string')) return g.constant('k', e.value, `literal ${JSON.stringify(e.value)}`);
    if (typeof e.value === 'number') return numberLiteral(e.value);
    return typeof e.value === 'string' ? JSON.stringify(e.value) : String(e.value);
  },
  column: (g, e) => {
    if (e.row.kind === 'partitionKey') return g.read(`scope.key[${g.options.keyIndex?.(e.column) ?? 0}] ?? null`);
    const row = g.row(e.row);
    const key = JSON.stringify(e.column);
    if (isPrototypeName(e.column)) return g.read(`${g.helper('getField')}(${row}, ${key})`);
    return g.read(`${row}?.[${key}] ?? null`);
  },
  field: (g, e) => {
    let text = g.emit(e.base);
    if (text === 'null') return 'null';
    const getter = g.helper('getField');
    for (const key of e.path) text = `${getter}(${text}, ${JSON.stringify(key)})`;
    return g.value(text);
  },
  unary: (g, e) => {
    const v = g.emit(e.operand);
    if (v === 'null') return 'null';
    if (e.op === 'NOT') {
      const b = g.boolean(v, e.operand);
      return g.value(guarded(notNull([b]), `!${b}`));
    }
    const n = g.number(v, e.operand, 'the operand of unary -');
    return g.value(guarded(notNull([n]), e.type === 'INT' ? `-${n} + 0` : `-${n}`));
  },
  binary: (g, e) => {
    switch (e.op) {
      case 'AND':
      case 'OR':
        return g.logical(e.op, e.left, e.right);
      case '||':
        return g.concat(e.left, e.right);
      case '=':
      case '!=':
      case '<':
      case '<=':
      case '>':
      case '>=':
        return g.compare(e.op, g.emit(e.left), e.left.type, g.emit(e.right), e.right.type);
      default:
        return g.arithmetic(e);
    }
  },
  isNull: (g, e) => {
    const v = g.emit(e.operand);
    if (!mayBeNull(v)) return String((v === 'null') !== e.negated);
    return g.value(`${v} ${e.negated ? '!==' : '==='} null`);
  },
  in: (g, e) => g.inList(e),
  between: (g, e) => {
    const x = g.emit(e.operand);
    const low = g.emit(e.low);
    const high = g.emit(e.high);
    const c1 = g.compare('<=', low, e.low.type, x, e.operand.type);
    const c2 = g.compare('<=', x, e.operand.type, high, e.high.type);
    // BETWEEN is low <= x AND x <= high (SQL's asymmetric BETWEEN: low > high is never TRUE).
    const [yes, no] = e.negated ? ['false', 'true'] : ['true', 'false'];
    return g.value(`${c1} === false || ${c2} === false ? ${no} : ${c1} === null || ${c2} === null ? null : ${yes}`);
  },
  like: (g, e) => g.like(e),
  case: (g, e) => {
    // The first WHEN that is TRUE gives the value; then ELSE, or NULL without one.
    const t = g.temp();
    const label = g.label();
    g.line(`let ${t} = null;`);
    g.open(`${label}:`);
    for (const { when, then } of e.whens) {
      const c = g.emitTrue(when);
      if (c === 'false') continue;
      g.open(`if (${c})`);
      g.line(`${t} = ${g.emit(then)};`);
      g.line(`break ${label};`);
      g.close();
    }
    if (e.otherwise) g.line(`${t} = ${g.emit(e.otherwise)};`);
    g.close();
    return t;
  },
  cast: (g, e) => {
    const v = g.emit(e.operand);
    if (v === 'null') return 'null';
    if (!isColumnType(e.type)) return v;
    const from = e.operand.type;
    const to = e.type;
    if (to === 'STRING' && from !== 'TIMESTAMP' && from !== 'JSON') return g.value(guarded(notNull([v]), g.stringOf(v, from)));
    if (to === 'INT' && from === 'BOOLEAN') return g.value(guarded(notNull([v]), `${v} ? 1 : 0`));
    if (to === 'BOOLEAN' && from === 'INT') return g.value(guarded(notNull([v]), `${v} !== 0`));
    const c = caster(from, to);
    if (c === undefined) return v;
    const fn = g.constant(`cast_${from}_${to}`, c, `CAST from ${from} to ${to}`);
    return g.value(guarded(notNull([v]), `${fn}(${v}, ${g.helper('faultAt')})`));
  },
  call: (g, e) => (e.udf ? udfCall(g, e) : builtinCall(g, e)),
  lookup: (g, e) => {
    // LOOKUP(T, key): the table's current row (JSON), or one of its columns; NULL without a row.
    const key = g.emit(e.key);
    if (key === 'null') return 'null';
    const t = g.temp();
    const row = g.temp();
    g.line(`let ${t} = null;`);
    const cond = notNull([key]);
    if (cond !== '') g.open(`if (${cond})`);
    g.line(`const ${row} = ${g.helper('services')}.lookup(${JSON.stringify(e.table)}, ${key});`);
    const read = e.column === '' ? row : isPrototypeName(e.column) ? `${g.helper('getField')}(${row}, ${JSON.stringify(e.column)})` : `${row}[${JSON.stringify(e.column)}] ?? null`;
    g.line(`if (${row} !== undefined && ${row} !== null) ${t} = ${read};`);
    if (cond !== '') g.close();
    return t;
  },
  kleeneAggregate: (g, e) => g.read(`scope.kleene[${g.kleeneIndex(e)}] ?? null`),
  aggregateRef: (g, e) => g.read(`scope.aggregates[${e.index}] ?? null`),
  groupKeyRef: (g, e) => g.read(`scope.groupKeys[${e.index}] ?? null`),
  windowBound: (g, e) => g.read(`${e.bound === 'start' ? 'scope.windowStart' : 'scope.windowEnd'} ?? null`),
};
