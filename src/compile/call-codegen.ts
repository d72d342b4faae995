/**
 * Code generation for function calls (LANGUAGE.md section 4): the built-in functions — strict ones
 * through the table of implementations, COALESCE, NULLIF, GREATEST, LEAST, CONCAT and NOW inline —
 * and user-defined functions, whose results are checked at run time.
 */
import { BUILTIN_FUNCTIONS, type ArgKind } from '../analysis/functions.js';
import type { BoundExpr } from '../analysis/bound.js';
import type { CqlType } from '../model/types.js';
import { BUILTIN_IMPLEMENTATIONS } from './functions.js';
import { guarded, isTyped, kindOf, mayBeNull, notNull, where, type Generator, type Node } from './expression-generator.js';

/** A built-in function: strict ones through the table, the others inline. */
export function builtinCall(g: Generator, e: Node<'call'>): string {
  switch (e.name) {
    case 'NOW':
      g.usesScope = true;
      return g.value('scope.now');
    case 'COALESCE':
      return coalesce(g, e.args);
    case 'NULLIF':
      return nullif(g, e.args[0]!, e.args[1]!);
    case 'GREATEST':
    case 'LEAST':
      return extreme(g, e.name, e.args);
    case 'CONCAT':
      return concatFunction(g, e.args);
  }
  const signature = BUILTIN_FUNCTIONS.get(e.name);
  if (!(e.name in BUILTIN_IMPLEMENTATIONS) || signature === undefined) throw new Error(`no implementation of built-in function ${e.name}`);
  const args = e.args.map((arg, i) => argument(g, g.emit(arg), arg, signature.args[Math.min(i, signature.args.length - 1)] ?? 'any', e.name, i));
  const fn = g.bind(`fn_${e.name}`, { kind: 'builtin', name: e.name });
  return g.value(guarded(notNull(args), `${fn}(${[g.helper('ctx'), ...args].join(', ')})`));
}

/** A JSON argument of a built-in that is not of the kind the function takes is a fault, NULL. */
function argument(g: Generator, v: string, arg: BoundExpr, kind: ArgKind, fn: string, i: number): string {
  if (arg.type !== 'JSON' || !mayBeNull(v)) return v;
  const js = kind === 'numeric' || kind === 'timestamp' ? 'number' : kind === 'string' ? 'string' : kind === 'boolean' ? 'boolean' : undefined;
  if (js === undefined) return v;
  const message = JSON.stringify(`argument ${i + 1} of ${fn} is not a ${js === 'number' ? 'number' : js === 'string' ? 'STRING' : 'BOOLEAN'} (${where(arg)})`);
  return g.value(`typeof ${v} === "${js}" || ${v} === null ? ${v} : ${g.helper('faultAt')}(${message})`);
}

/** COALESCE: the first argument that is not NULL, evaluating no further (lazy, as SQL requires). */
function coalesce(g: Generator, args: readonly BoundExpr[]): string {
  const t = g.temp();
  const label = g.label();
  g.line(`let ${t} = null;`);
  g.open(`${label}:`);
  for (const arg of args) {
    const v = g.emit(arg);
    if (v === 'null') continue;
    if (!mayBeNull(v)) {
      g.line(`${t} = ${v};`);
      break;
    }
    g.line(`if (${v} !== null) { ${t} = ${v}; break ${label}; }`);
  }
  g.close();
  return t;
}

/** NULLIF(a, b): NULL when a = b is TRUE, else a (so NULLIF(a, NULL) is a). */
function nullif(g: Generator, a: BoundExpr, b: BoundExpr): string {
  const va = g.emit(a);
  const eq = g.compare('=', va, a.type, g.emit(b), b.type);
  return eq === 'null' ? va : g.value(`${eq} === true ? null : ${va}`);
}

/**
 * GREATEST and LEAST ignore NULL arguments (PostgreSQL) and are NULL when all are NULL.
 * Decision: JSON arguments that cannot be compared with each other (a string and a number)
 * make the result NULL, as their comparison is NULL.
 */
function extreme(g: Generator, name: 'GREATEST' | 'LEAST', args: readonly BoundExpr[]): string {
  const better = name === 'GREATEST' ? '>' : '<';
  const typed = args.every((a) => isTyped(a.type) || a.type === 'NULL') && new Set(args.filter((a) => a.type !== 'NULL').map((a) => kindOf(a.type))).size <= 1;
  const t = g.temp();
  const label = g.label();
  g.line(`let ${t} = null;`);
  g.open(`${label}:`);
  for (const arg of args) {
    const v = g.emit(arg);
    if (v === 'null') continue;
    const present = mayBeNull(v) ? `${v} !== null && ` : '';
    if (typed) {
      g.line(`if (${present}(${t} === null || ${v} ${better} ${t})) ${t} = ${v};`);
      continue;
    }
    const c = g.temp();
    if (mayBeNull(v)) g.open(`if (${v} !== null)`);
    g.open(`if (${t} === null)`);
    g.line(`${t} = ${v};`);
    g.close('else');
    g.line(`const ${c} = ${g.helper('jsonCompare')}(${v}, ${t});`);
    g.line(`if (${c} === null) { ${t} = null; break ${label}; }`);
    g.line(`if (${c} ${better} 0) ${t} = ${v};`);
    g.close();
    if (mayBeNull(v)) g.close();
  }
  g.close();
  return t;
}

/**
 * CONCAT: the arguments as CAST to STRING, NULLs skipped (PostgreSQL's concat, so
 * `CONCAT(NULL)` is ''). A conversion that faults counts as a NULL argument.
 */
function concatFunction(g: Generator, args: readonly BoundExpr[]): string {
  const t = g.temp();
  g.line(`let ${t} = "";`);
  for (const arg of args) {
    const v = g.emit(arg);
    if (v === 'null') continue;
    const s = g.stringOf(v, arg.type);
    const canFault = arg.type === 'TIMESTAMP';
    if (canFault) {
      const st = g.value(guarded(notNull([v]), s));
      g.line(mayBeNull(st) ? `if (${st} !== null) ${t} += ${st};` : `${t} += ${st};`);
    } else {
      g.line(mayBeNull(v) ? `if (${v} !== null) ${t} += ${s};` : `${t} += ${s};`);
    }
  }
  return t;
}

/**
 * A user-defined function, resolved when the expression is built. Decision: it is called with
 * NULL arguments too (it decides what NULL means, as in ksqlDB); if it throws, returns
 * undefined or NaN, or returns a value not of its declared type, the value is NULL and the
 * fault is counted. A function not registered when the expression is built faults on each call.
 */
export function udfCall(g: Generator, e: Node<'call'>): string {
  const args = e.args.map((a) => g.emit(a));
  const fn = g.bind(`udf_${e.name.replace(/[^A-Za-z0-9_]/g, '_')}${/^[A-Za-z0-9_]+$/.test(e.name) ? '' : `_${g.bindings.size}`}`, { kind: 'udf', name: e.name });
  const t = g.temp();
  g.line(`let ${t} = null;`);
  g.line(`try { ${t} = ${fn}(${args.join(', ')}); } catch (e) { ${t} = ${g.helper('fault')}(e); }`);
  const ok = resultCheck(t, e.type, g);
  const message = JSON.stringify(`user-defined function ${e.name} returned a value that is not ${e.type === 'JSON' ? 'a JSON value' : `a ${e.type}`} (${where(e)})`);
  g.line(`if (!(${ok})) ${t} = ${g.helper('faultAt')}(${message});`);
  return t;
}

/** The run-time check that a UDF's result `t` is NULL or of type `type`. */
function resultCheck(t: string, type: CqlType, g: Generator): string {
  switch (type) {
    case 'INT':
      return `${t} === null || Number.isSafeInteger(${t})`;
    case 'DOUBLE':
    case 'TIMESTAMP':
      return `${t} === null || Number.isFinite(${t})`;
    case 'STRING':
      return `${t} === null || typeof ${t} === "string"`;
    case 'BOOLEAN':
      return `${t} === null || typeof ${t} === "boolean"`;
    default:
      return `${g.helper('isJsonValue')}(${t})`;
  }
}

/** A UDF result usable as a JSON value: null, a finite number, a string, a boolean, an object or array. */
export function isJsonValue(v: unknown): boolean {
  switch (typeof v) {
    case 'number':
      return Number.isFinite(v);
    case 'string':
    case 'boolean':
    case 'object':
      return true;
    default:
      return false;
  }
}
