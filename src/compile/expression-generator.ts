/**
 * The Generator of the expression compiler (LANGUAGE.md section 4): it writes the statements of one
 * generated function — temporaries, labels, hoisted reads, the parameters of its factory — and
 * the SQL semantics that several node kinds share: three-valued logic, comparison, arithmetic,
 * conversion to STRING, IN and LIKE. What each node kind becomes is in expression-codegen.ts,
 * function calls in call-codegen.ts.
 */
import type { BinaryOperator, BoundExpr, RowRef } from '../analysis/bound.js';
import type { CqlType } from '../model/types.js';
import { caster } from './values.js';
import type { EvalServices } from '../runtime/row.js';

export interface CompileExprOptions {
  services: EvalServices;
  /** For pattern queries: the index in EvalScope.kleene of a kleeneAggregate node (the planner assigns them). */
  kleeneIndex?: (node: Extract<BoundExpr, { kind: 'kleeneAggregate' }>) => number;
  /** For pattern queries: the index in EvalScope.key of a PARTITION BY key column (default 0). */
  keyIndex?: (column: string) => number;
}

/** What a parameter of the generated factory is bound to when the function is built. */
export type Binding =
  | { readonly kind: 'helper'; readonly helper: HelperName }
  | { readonly kind: 'builtin'; readonly name: string }
  | { readonly kind: 'udf'; readonly name: string }
  | { readonly kind: 'value'; readonly value: unknown; readonly describe: string };

export type HelperName = 'fault' | 'faultAt' | 'ctx' | 'services' | 'emptyScope' | 'getField' | 'jsonCompare' | 'jsonEquals' | 'likeMatch' | 'isJsonValue';

export type GenOptions = Pick<Partial<CompileExprOptions>, 'kleeneIndex' | 'keyIndex'>;

export type Node<K extends BoundExpr['kind']> = Extract<BoundExpr, { kind: K }>;

/** What the Generator emits each node kind with (expression-codegen.ts's EMITTERS). */
export type Emitters = { readonly [K in BoundExpr['kind']]: (g: Generator, e: Node<K>) => string };

/** A number as JavaScript source. */
export function numberLiteral(v: number): string {
  if (Object.is(v, -0)) return '(-0)';
  return v < 0 ? `(${String(v)})` : String(v);
}

/** Whether the value text may be NULL at run time: temporaries may; literals are what they say. */
export function mayBeNull(v: string): boolean {
  return /^[tc]\d+$/.test(v);
}

/** The condition that none of the values is NULL: 'false' when one is the NULL literal, '' when none can be. */
export function notNull(values: readonly string[]): string {
  if (values.includes('null')) return 'false';
  return values
    .filter(mayBeNull)
    .map((v) => `${v} !== null`)
    .join(' && ');
}

/** `cond ? then : null`, simplified when the condition is constant. */
export function guarded(cond: string, then: string): string {
  if (cond === 'false') return 'null';
  return cond === '' ? then : `${cond} ? ${then} : null`;
}

export function where(e: BoundExpr): string {
  return `line ${e.span.line}, column ${e.span.column}`;
}

const NUMERIC_TYPES: ReadonlySet<CqlType> = new Set(['INT', 'DOUBLE', 'TIMESTAMP']);

/** JavaScript's operator for a SQL comparison of two non-NULL values of one kind. */
const JS_COMPARISON: Partial<Record<BinaryOperator, string>> = { '=': '===', '!=': '!==', '<': '<', '<=': '<=', '>': '>', '>=': '>=' };

/** Writes the statements of one function. */
export class Generator {
  readonly lines: string[] = [];
  readonly bindings = new Map<string, Binding>();
  /**
   * Locals for what the code reads — the events (`const b0 = scope.bound[0]`), then their
   * columns and the scope's values (`const c1 = b0?.["price"] ?? null`) — hoisted to the top
   * and read once: reads have no side effects, so lazily evaluated branches may share them.
   */
  readonly rowLocals = new Map<string, string>();
  private readonly reads = new Map<string, string>();
  usesScope = false;
  private depth = 2;
  private temps = 0;
  private labels = 0;
  private readonly kleeneFallback = new Map<Node<'kleeneAggregate'>, number>();

  constructor(
    readonly options: GenOptions,
    /** When false (source for EXPLAIN), missing planner information is filled in rather than an error. */
    private readonly strict: boolean,
    /** What each node kind becomes (expression-codegen.ts). */
    private readonly emitters: Emitters,
  ) {}

  /** Compiled code (not EXPLAIN's) takes literals as parameters (see the `literal` emitter). */
  get hoistsLiterals(): boolean {
    return this.strict;
  }

  line(text: string): void {
    this.lines.push(`${'  '.repeat(this.depth)}${text}`);
  }

  open(head: string): void {
    this.line(`${head} {`);
    this.depth++;
  }

  /** Closes a block; `next` continues the statement (`} else {`, `} catch (e) {`). */
  close(next?: string): void {
    this.depth--;
    if (next === undefined) this.line('}');
    else {
      this.line(`} ${next} {`);
      this.depth++;
    }
  }

  temp(): string {
    return `t${++this.temps}`;
  }

  label(): string {
    return `L${++this.labels}`;
  }

  /** `const tN = text;` and returns tN. */
  value(text: string): string {
    if (text === 'null') return 'null';
    const t = this.temp();
    this.line(`const ${t} = ${text};`);
    return t;
  }

  /** A read of the event or the scope, hoisted and shared (see rowLocals). */
  read(text: string): string {
    if (text.startsWith('scope.')) this.usesScope = true;
    let name = this.reads.get(text);
    if (name === undefined) {
      name = `c${this.reads.size + 1}`;
      this.reads.set(text, name);
    }
    return name;
  }

  /** The hoisted locals, in order: rows first, then reads. */
  locals(): string[] {
    return [...[...this.rowLocals].map(([name, init]) => `const ${name} = ${init};`), ...[...this.reads].map(([init, name]) => `const ${name} = ${init};`)];
  }

  bind(name: string, binding: Binding): string {
    if (!this.bindings.has(name)) this.bindings.set(name, binding);
    return name;
  }

  helper(name: HelperName): string {
    return this.bind(name, { kind: 'helper', helper: name });
  }

  /** A constant value as a parameter, named after what it is (`re1`, `set2`, `cast_STRING_INT`). */
  constant(name: string, value: unknown, describe: string): string {
    for (const [existing, b] of this.bindings) if (b.kind === 'value' && b.describe === describe && existing.startsWith(name)) return existing;
    const unique = this.bindings.has(name) ? `${name}_${this.bindings.size}` : name;
    return this.bind(unique, { kind: 'value', value, describe });
  }

  row(ref: Exclude<RowRef, { kind: 'partitionKey' }>): string {
    switch (ref.kind) {
      case 'input':
      case 'kleeneItem':
        return 'input';
      case 'atom': {
        this.usesScope = true;
        const name = `b${ref.slot}`;
        this.rowLocals.set(name, `scope.bound[${ref.slot}]`);
        return name;
      }
      case 'side':
        this.usesScope = true;
        this.rowLocals.set(ref.side, `scope.${ref.side}`);
        return ref.side;
    }
  }

  kleeneIndex(e: Node<'kleeneAggregate'>): number {
    if (this.options.kleeneIndex) return this.options.kleeneIndex(e);
    if (this.strict) throw new Error(`compileExpr: a Kleene aggregate (${e.fn} of slot ${e.slot}) needs options.kleeneIndex`);
    let i = this.kleeneFallback.get(e);
    if (i === undefined) this.kleeneFallback.set(e, (i = this.kleeneFallback.size));
    return i;
  }

  emit(e: BoundExpr): string {
    return (this.emitters[e.kind] as (g: Generator, e: BoundExpr) => string)(this, e);
  }

  /**
   * A JavaScript boolean that is true exactly when `e` is TRUE — for conditions, where NULL and
   * FALSE mean the same, so AND and OR short-circuit as plain `&&` and `||`.
   */
  emitTrue(e: BoundExpr): string {
    if (e.kind === 'literal') return String(e.value === true);
    if (e.kind === 'binary' && (e.op === 'AND' || e.op === 'OR')) {
      const left = this.emitTrue(e.left);
      if (left === (e.op === 'AND' ? 'false' : 'true')) return left;
      const t = this.temp();
      this.line(`let ${t} = ${left};`);
      this.open(e.op === 'AND' ? `if (${t})` : `if (!${t})`);
      this.line(`${t} = ${this.emitTrue(e.right)};`);
      this.close();
      return t;
    }
    if (e.kind === 'binary' && e.op in JS_COMPARISON && isTyped(e.left.type) && isTyped(e.right.type) && sameKind(e.left.type, e.right.type)) {
      const a = this.emit(e.left);
      const b = this.emit(e.right);
      const cond = notNull([a, b]);
      if (cond === 'false') return 'false';
      const cmp = `${a} ${JS_COMPARISON[e.op]} ${b}`;
      return this.value(cond === '' ? cmp : `${cond} && ${cmp}`);
    }
    if (e.kind === 'isNull') return this.emit(e);
    const v = this.emit(e);
    return v === 'true' ? 'true' : mayBeNull(v) ? this.value(`${v} === true`) : 'false';
  }

  /** A numeric operand: a JSON value that is not a number is a fault, NULL. */
  number(v: string, e: BoundExpr, what: string): string {
    if (e.type !== 'JSON' || !mayBeNull(v)) return v;
    const message = JSON.stringify(`${what} is not a number (${where(e)})`);
    return this.value(`typeof ${v} === "number" || ${v} === null ? ${v} : ${this.helper('faultAt')}(${message})`);
  }

  /**
   * A BOOLEAN operand. Decision: a JSON value that is not a boolean at run time counts as NULL
   * in AND, OR, NOT and conditions (no coercion: `'false'` is not FALSE), as a comparison of
   * values of different kinds is NULL.
   */
  boolean(v: string, e: BoundExpr): string {
    if (e.type !== 'JSON' || !mayBeNull(v)) return v;
    return this.value(`typeof ${v} === "boolean" ? ${v} : null`);
  }

  /**
   * AND and OR in SQL's three-valued logic, lazily: FALSE AND x is FALSE and TRUE OR x is TRUE
   * without evaluating x (so `d <> 0 AND n / d > 1` does not fault); NULL AND FALSE is FALSE.
   */
  logical(op: 'AND' | 'OR', left: BoundExpr, right: BoundExpr): string {
    const [decisive, other] = op === 'AND' ? ['false', 'true'] : ['true', 'false'];
    const l = this.boolean(this.emit(left), left);
    if (l === decisive) return l;
    if (l === other) return this.boolean(this.emit(right), right);
    const t = this.temp();
    this.line(`let ${t} = ${decisive};`);
    if (mayBeNull(l)) this.open(`if (${l} !== ${decisive})`);
    const r = this.boolean(this.emit(right), right);
    if (r !== decisive) {
      const unknown = notNull([l, r]);
      this.line(`${t} = ${mayBeNull(r) ? `${r} === ${decisive} ? ${decisive} : ` : ''}${unknown === 'false' ? 'null' : unknown === '' ? other : `${unknown} ? ${other} : null`};`);
    }
    if (mayBeNull(l)) this.close();
    return t;
  }

  /** A SQL comparison of two values (3VL: NULL when either is NULL or they cannot be compared). */
  compare(op: BinaryOperator, a: string, ta: CqlType, b: string, tb: CqlType): string {
    const cond = notNull([a, b]);
    if (cond === 'false') return 'null';
    if (isTyped(ta) && isTyped(tb) && sameKind(ta, tb)) return this.value(guarded(cond, `${a} ${JS_COMPARISON[op]!} ${b}`));
    // A JSON operand: compared by its run-time kind, without coercion (values.ts).
    const t = this.temp();
    this.line(`let ${t} = null;`);
    if (cond !== '') this.open(`if (${cond})`);
    if (op === '=' || op === '!=') {
      const eq = `${this.helper('jsonEquals')}(${a}, ${b})`;
      if (op === '=') this.line(`${t} = ${eq};`);
      else {
        const e = this.temp();
        this.line(`const ${e} = ${eq};`);
        this.line(`${t} = ${e} === null ? null : !${e};`);
      }
    } else {
      const c = this.temp();
      this.line(`const ${c} = ${this.helper('jsonCompare')}(${a}, ${b});`);
      this.line(`${t} = ${c} === null ? null : ${c} ${op} 0;`);
    }
    if (cond !== '') this.close();
    return t;
  }

  /**
   * `+ - * / %`: NULL in, NULL out. INT op INT stays INT: `/` truncates toward zero and `%`
   * takes the sign of the dividend (SQL, PostgreSQL). Division or remainder by zero, an INT
   * result beyond the safe integers and a DOUBLE result that is not finite are faults, NULL.
   * TIMESTAMP arithmetic is arithmetic on milliseconds.
   */
  arithmetic(e: Node<'binary'>): string {
    const a = this.number(this.emit(e.left), e.left, `the left operand of '${e.op}'`);
    const b = this.number(this.emit(e.right), e.right, `the right operand of '${e.op}'`);
    const cond = notNull([a, b]);
    if (cond === 'false' || e.type === 'NULL') return 'null';
    const int = e.type === 'INT';
    const t = this.temp();
    const fault = this.helper('faultAt');
    this.line(`let ${t} = null;`);
    if (cond !== '') this.open(`if (${cond})`);
    let result: string;
    const divides = e.op === '/' || e.op === '%';
    // A literal divisor is known here (its text may be a parameter's name: see `literal`).
    const divisor = e.right.kind === 'literal' && typeof e.right.value === 'number' ? e.right.value : undefined;
    if (divides && divisor === 0) {
      this.line(`${t} = ${fault}(${JSON.stringify(`${e.op === '/' ? 'division' : 'remainder'} by zero (${where(e)})`)});`);
      if (cond !== '') this.close();
      return t;
    }
    const zeroCheck = divides && divisor === undefined;
    if (divides) {
      if (zeroCheck) {
        this.line(`if (${b} === 0) ${t} = ${fault}(${JSON.stringify(`${e.op === '/' ? 'division' : 'remainder'} by zero (${where(e)})`)});`);
        this.open('else');
      }
      result = e.op === '/' ? (int ? `Math.trunc(${a} / ${b}) + 0` : `${a} / ${b}`) : `${a} % ${b}${int ? ' + 0' : ''}`;
    } else {
      result = e.op === '*' && int ? `${a} * ${b} + 0` : `${a} ${e.op} ${b}`;
    }
    this.line(`${t} = ${result};`);
    const check = int ? `!Number.isSafeInteger(${t})` : `!Number.isFinite(${t})`;
    const message = `${int ? 'INT' : e.type} result of '${e.op}' out of range (${where(e)})`;
    this.line(`if (${check}) ${t} = ${fault}(${JSON.stringify(message)});`);
    if (zeroCheck) this.close();
    if (cond !== '') this.close();
    return t;
  }

  /** The STRING of a non-NULL value of static type `type`, by CAST's rules (may be NULL for a TIMESTAMP out of range). */
  stringOf(v: string, type: CqlType): string {
    switch (type) {
      case 'STRING':
        return v;
      case 'INT':
      case 'DOUBLE':
        return `String(${v})`;
      case 'BOOLEAN':
        return `(${v} ? "true" : "false")`;
      default: {
        const from = type === 'TIMESTAMP' ? 'TIMESTAMP' : 'JSON';
        const fn = this.constant(`cast_${from}_STRING`, caster(from, 'STRING'), `CAST from ${from} to STRING`);
        return `${fn}(${v}, ${this.helper('faultAt')})`;
      }
    }
  }

  /** `a || b`: NULL when either is NULL (SQL); other types are converted as CAST to STRING. */
  concat(left: BoundExpr, right: BoundExpr): string {
    const a = this.emit(left);
    const b = this.emit(right);
    const cond = notNull([a, b]);
    if (cond === 'false') return 'null';
    const sa = this.stringValue(a, left.type, cond);
    const sb = this.stringValue(b, right.type, cond);
    return this.value(guarded(notNull([sa, sb]), `${sa} + ${sb}`));
  }

  /** The string of `v` as a value (NULL when `cond` fails or the conversion faults). */
  private stringValue(v: string, type: CqlType, cond: string): string {
    if (type === 'STRING') return v;
    return this.value(guarded(cond, this.stringOf(v, type)));
  }

  /**
   * `x [NOT] IN (…)` as SQL: TRUE when x equals an item, else NULL when x or an item is NULL,
   * else FALSE; NOT IN is its negation. Items are evaluated in order until one matches.
   */
  inList(e: Node<'in'>): string {
    const x = this.emit(e.operand);
    if (x === 'null') return 'null';
    const [yes, no] = e.negated ? ['false', 'true'] : ['true', 'false'];
    const constant = e.list.every((i) => i.kind === 'literal') && isTyped(e.operand.type) && e.list.every((i) => i.type === 'NULL' || sameKind(i.type, e.operand.type));
    if (constant) {
      const values = e.list.flatMap((i) => (i.kind === 'literal' && i.value !== null ? [i.value] : []));
      const hasNull = values.length < e.list.length;
      let test: string;
      if (values.length > 4) {
        const set = this.constant('set', new Set(values), `new Set(${JSON.stringify(values)})`);
        test = `${set}.has(${x})`;
      } else {
        test = values.length === 0 ? 'false' : values.map((v) => `${x} === ${typeof v === 'number' ? numberLiteral(v) : JSON.stringify(v)}`).join(' || ');
      }
      const found = `${test} ? ${yes} : ${hasNull ? 'null' : no}`;
      return this.value(mayBeNull(x) ? `${x} === null ? null : ${found}` : found);
    }
    const t = this.temp();
    const label = this.label();
    this.line(`let ${t} = null;`);
    this.open(`${label}:`);
    if (mayBeNull(x)) this.line(`if (${x} === null) break ${label};`);
    this.line(`${t} = ${no};`);
    for (const item of e.list) {
      const v = this.emit(item);
      const eq = this.compare('=', x, e.operand.type, v, item.type);
      if (eq === 'null') {
        this.line(`${t} = null;`);
        continue;
      }
      this.line(`if (${eq} === null) ${t} = null;`);
      this.line(`else if (${eq}) { ${t} = ${yes}; break ${label}; }`);
    }
    this.close();
    return t;
  }

  /**
   * `x [NOT] LIKE p`: `%` any sequence, `_` one character, case-sensitive, anchored. The common
   * shapes of a constant pattern — no wildcard, `abc%`, `%abc`, `%abc%` — become string tests;
   * the others, and computed patterns, are matched by `likeMatch` (values.ts). Decision: a JSON operand that is
   * not a string gives NULL, as a comparison of different kinds does.
   */
  like(e: Node<'like'>): string {
    const x = this.emit(e.operand);
    const p = this.emit(e.pattern);
    const cond = notNull([x, p]);
    if (cond === 'false') return 'null';
    const not = e.negated ? '!' : '';
    let test: string;
    if (e.pattern.kind === 'literal' && typeof e.pattern.value === 'string') {
      test = e.negated ? `!(${this.likeTest(x, e.pattern.value)})` : this.likeTest(x, e.pattern.value);
    } else {
      test = `${not}${this.helper('likeMatch')}(${x}, ${p})`;
      if (e.pattern.type === 'JSON') test = `typeof ${p} === "string" ? ${test} : null`;
    }
    if (e.operand.type === 'JSON') test = `typeof ${x} === "string" ? ${e.pattern.type === 'JSON' ? `(${test})` : test} : null`;
    return this.value(guarded(cond, test));
  }

  private likeTest(x: string, pattern: string): string {
    const literal = (s: string) => JSON.stringify(s);
    if (!/[%_]/.test(pattern)) return `${x} === ${literal(pattern)}`;
    const inner = pattern.slice(1, -1);
    if (/^[^%_]*%$/.test(pattern)) return `${x}.startsWith(${literal(pattern.slice(0, -1))})`;
    if (/^%[^%_]*$/.test(pattern)) return `${x}.endsWith(${literal(pattern.slice(1))})`;
    if (pattern.length >= 2 && /^%[^%_]*%$/.test(pattern)) return `${x}.includes(${literal(inner)})`;
    return `${this.helper('likeMatch')}(${x}, ${literal(pattern)})`;
  }
}

/** Types whose values are never JSON-ambiguous at run time. */
export function isTyped(t: CqlType): boolean {
  return t !== 'JSON' && t !== 'NULL';
}

export function kindOf(t: CqlType): string {
  return NUMERIC_TYPES.has(t) ? 'number' : t;
}

function sameKind(a: CqlType, b: CqlType): boolean {
  return kindOf(a) === kindOf(b);
}
