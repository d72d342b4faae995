/**
 * The expression compiler (LANGUAGE.md section 4): a bound expression becomes the source text
 * of one straight-line JavaScript function, built once with `new Function`, so an event is
 * evaluated without walking a tree. Every value is a temporary (`const t3 = …`); NULL is `null`
 * and is checked explicitly, with SQL's three-valued logic. Anything the code needs besides the
 * event and the scope — helpers, built-ins, user-defined functions, constant regular expressions
 * and sets — is a parameter of the factory, never text spliced into the code: user strings only
 * appear as JSON string literals.
 *
 * A run-time fault (division by zero, a bad time zone, a UDF that throws) makes the value where
 * it happens NULL and is reported through `EvalServices.fault`; the generated functions never
 * throw (a catch-all reports anything unexpected the same way).
 */
import { BUILTIN_FUNCTIONS } from '../analysis/functions.js';
import type { BoundExpr } from '../analysis/bound.js';
import { emptyScope, type CompiledExpr, type EvalScope, type EvalServices, type Row } from '../runtime/row.js';
import { BUILTIN_IMPLEMENTATIONS, SPECIAL_FORMS, type FunctionContext } from './functions.js';
import { ExpressionError, getField, jsonCompare, jsonEquals, likeMatch, type Fault } from './values.js';
import { isJsonValue } from './call-codegen.js';
import { generate, type Generated } from './expression-codegen.js';
import type { CompileExprOptions, HelperName } from './expression-generator.js';

export type { CompileExprOptions };

/** A compiled condition: true only when the expression is TRUE (NULL and FALSE are false). */
export type CompiledPredicate = (input: Row | undefined, scope: EvalScope) => boolean;

/** A compiled SELECT list: a fresh output object `{name: value}`, in order. */
export type CompiledProjection = (input: Row | undefined, scope: EvalScope) => Record<string, unknown>;

export function compileExpr(expr: BoundExpr, options: CompileExprOptions): CompiledExpr {
  return build(generate('value', [{ name: '', expr }], options, true), options.services) as CompiledExpr;
}

/** A condition: returns true only when the expression is TRUE (NULL and FALSE are false). */
export function compilePredicate(expr: BoundExpr | undefined, options: CompileExprOptions): CompiledPredicate {
  if (expr === undefined) return () => true;
  return build(generate('predicate', [{ name: '', expr }], options, true), options.services) as CompiledPredicate;
}

/** Projections into a fresh output object {name: value} in order. */
export function compileProjection(
  projections: readonly { name: string; expr: BoundExpr }[],
  options: CompileExprOptions,
): CompiledProjection {
  return build(generate('projection', projections, options, true), options.services) as CompiledProjection;
}

/**
 * The argument of a Kleene aggregate (`r.price * r.volume` in `SUM(r.price * r.volume)`) as a
 * function of one event bound to the Kleene atom, which the pattern operator calls per event to
 * maintain the aggregate. COUNT has no argument: its function returns NULL.
 */
export function compileKleeneArg(
  node: Extract<BoundExpr, { kind: 'kleeneAggregate' }>,
  options: CompileExprOptions,
): (item: Row, scope?: EvalScope) => unknown {
  if (node.arg === undefined) return () => null;
  return build(generate('kleeneArg', [{ name: '', expr: node.arg }], options, true), options.services) as (item: Row, scope?: EvalScope) => unknown;
}

/** The generated JavaScript source of an expression, for EXPLAIN (readable, deterministic). */
export function expressionSource(expr: BoundExpr, options: Partial<CompileExprOptions> = {}): string {
  return generate('value', [{ name: '', expr }], options, false).source;
}

/** The generated JavaScript source of a condition, for EXPLAIN. */
export function predicateSource(expr: BoundExpr, options: Partial<CompileExprOptions> = {}): string {
  return generate('predicate', [{ name: '', expr }], options, false).source;
}

// ----------------------------------------------------------------------------------- building

/** Builds the factory once and binds its parameters. */
function build(generated: Generated, services: EvalServices): (...args: never[]) => unknown {
  const faultAt: Fault = (message) => {
    services.fault(new ExpressionError(message));
    return null;
  };
  const ctx: FunctionContext = { fault: faultAt };
  const helpers: Record<HelperName, unknown> = {
    fault: (error: unknown) => {
      services.fault(error);
      return null;
    },
    faultAt,
    ctx,
    services,
    emptyScope: emptyScope(),
    getField,
    jsonCompare,
    jsonEquals,
    likeMatch,
    isJsonValue,
  };
  const names = [...generated.bindings.keys()];
  const values = names.map((name) => {
    const b = generated.bindings.get(name)!;
    switch (b.kind) {
      case 'helper':
        return helpers[b.helper];
      case 'builtin':
        return BUILTIN_IMPLEMENTATIONS[b.name];
      case 'value':
        return b.value;
      case 'udf':
        return services.udf(b.name) ?? missingUdf(b.name);
    }
  });
  const key = `${names.join(',')}\n${generated.source}`;
  let factory = FACTORIES.get(key);
  if (factory === undefined) {
    factory = new Function(...names, `"use strict";\nreturn ${generated.source};`) as Factory;
    if (FACTORIES.size >= MAX_FACTORIES) FACTORIES.clear();
    FACTORIES.set(key, factory);
  }
  return factory(...values);
}

type Factory = (...args: unknown[]) => (...args: never[]) => unknown;

/**
 * Factories by generated source: expressions that differ only in their constants (which are
 * parameters) are built by one factory, so that their functions share a single optimised code
 * object — a thousand rules of one shape cost the instruction cache one function, not a
 * thousand. Bounded: a process compiling endlessly many shapes starts the cache afresh.
 */
const FACTORIES = new Map<string, Factory>();
const MAX_FACTORIES = 10_000;

function missingUdf(name: string): () => never {
  return () => {
    throw new ExpressionError(`user-defined function ${name} is not registered`);
  };
}

/** Every built-in the analyser knows has a run-time form: one of the table or a special form. */
export function unimplementedBuiltins(): string[] {
  return [...BUILTIN_FUNCTIONS.keys()].filter((name) => !(name in BUILTIN_IMPLEMENTATIONS) && !SPECIAL_FORMS.has(name));
}
