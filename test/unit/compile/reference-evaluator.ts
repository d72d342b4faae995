/**
 * A tiny tree-walking evaluator of bound expressions: the reference the compiled code is checked
 * against (LANGUAGE.md section 4). It covers arithmetic, comparisons of numbers and booleans,
 * three-valued logic, IS NULL, IN, BETWEEN, CASE, COALESCE, NULLIF and ABS over one input row,
 * written as plainly as the rules read, with the same evaluation order as the compiler promises:
 * operands left to right; AND/OR, CASE, IN and COALESCE stop as soon as the result is known; in
 * a condition (a WHEN, a predicate) AND/OR stop as soon as the condition cannot be TRUE.
 */
import type { BoundExpr } from '../../../src/analysis/bound.js';
import type { Row } from '../../../src/runtime/row.js';

export class ReferenceEvaluator {
  faults = 0;

  constructor(private readonly row: Row) {}

  private fault(): null {
    this.faults++;
    return null;
  }

  /** Whether `e` is TRUE, as a condition. */
  truth(e: BoundExpr): boolean {
    if (e.kind === 'binary' && e.op === 'AND') return this.truth(e.left) && this.truth(e.right);
    if (e.kind === 'binary' && e.op === 'OR') return this.truth(e.left) || this.truth(e.right);
    return this.value(e) === true;
  }

  value(e: BoundExpr): unknown {
    switch (e.kind) {
      case 'literal':
        return e.value;
      case 'column':
        if (e.row.kind !== 'input') throw new Error('reference: input columns only');
        return this.row[e.column] ?? null;
      case 'unary': {
        const v = this.value(e.operand);
        if (v === null) return null;
        return e.op === 'NOT' ? !v : this.number(e.type, -(v as number));
      }
      case 'isNull':
        return (this.value(e.operand) === null) !== e.negated;
      case 'binary':
        return this.binary(e);
      case 'between': {
        const x = this.value(e.operand);
        const low = this.value(e.low);
        const high = this.value(e.high);
        const result = and(compare('<=', low, x), compare('<=', x, high));
        return e.negated ? not(result) : result;
      }
      case 'in': {
        const x = this.value(e.operand);
        if (x === null) return null;
        let result: boolean | null = false;
        for (const item of e.list) {
          const v = this.value(item);
          if (v === null) result = null;
          else if (v === x) {
            result = true;
            break;
          }
        }
        return e.negated ? not(result) : result;
      }
      case 'case':
        for (const { when, then } of e.whens) if (this.truth(when)) return this.value(then);
        return e.otherwise ? this.value(e.otherwise) : null;
      case 'call':
        return this.call(e);
      default:
        throw new Error(`reference: ${e.kind} is not covered`);
    }
  }

  private call(e: Extract<BoundExpr, { kind: 'call' }>): unknown {
    switch (e.name) {
      case 'COALESCE':
        for (const arg of e.args) {
          const v = this.value(arg);
          if (v !== null) return v;
        }
        return null;
      case 'NULLIF': {
        const a = this.value(e.args[0]!);
        const b = this.value(e.args[1]!);
        return a !== null && b !== null && a === b ? null : a;
      }
      case 'ABS': {
        const v = this.value(e.args[0]!);
        return v === null ? null : Math.abs(v as number);
      }
      default:
        throw new Error(`reference: ${e.name} is not covered`);
    }
  }

  private binary(e: Extract<BoundExpr, { kind: 'binary' }>): unknown {
    if (e.op === 'AND' || e.op === 'OR') {
      const decisive = e.op === 'OR';
      const l = this.value(e.left);
      if (l === decisive) return decisive;
      const r = this.value(e.right);
      if (r === decisive) return decisive;
      return l === null || r === null ? null : !decisive;
    }
    const l = this.value(e.left);
    const r = this.value(e.right);
    if (l === null || r === null) return null;
    if (e.op === '=' || e.op === '!=' || e.op === '<' || e.op === '<=' || e.op === '>' || e.op === '>=') return compare(e.op, l, r);
    const a = l as number;
    const b = r as number;
    switch (e.op) {
      case '+':
        return this.number(e.type, a + b);
      case '-':
        return this.number(e.type, a - b);
      case '*':
        return this.number(e.type, a * b);
      case '/':
        if (b === 0) return this.fault();
        return this.number(e.type, e.type === 'INT' ? Math.trunc(a / b) : a / b);
      case '%':
        if (b === 0) return this.fault();
        return this.number(e.type, a % b);
      default:
        throw new Error(`reference: ${e.op} is not covered`);
    }
  }

  /** An arithmetic result: an INT must be a safe integer, a DOUBLE finite. */
  private number(type: string, x: number): number | null {
    if (type === 'INT') return Number.isSafeInteger(x) ? x : this.fault();
    return Number.isFinite(x) ? x : this.fault();
  }
}

function compare(op: string, a: unknown, b: unknown): boolean | null {
  if (a === null || b === null) return null;
  const x = a as number;
  const y = b as number;
  switch (op) {
    case '=':
      return x === y;
    case '!=':
      return x !== y;
    case '<':
      return x < y;
    case '<=':
      return x <= y;
    case '>':
      return x > y;
    default:
      return x >= y;
  }
}

function and(a: boolean | null, b: boolean | null): boolean | null {
  if (a === false || b === false) return false;
  return a === null || b === null ? null : true;
}

function not(a: boolean | null): boolean | null {
  return a === null ? null : !a;
}
