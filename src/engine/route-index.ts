/**
 * Which operators an event reaches (LANGUAGE.md section 5: an event reaches the queries that read
 * its stream, in deployment order). When many operators of a stream require an equality on one
 * column (1,000 rules `WHERE country = 'US' AND …`), they are indexed by that column's value:
 * an event then reaches only the operators it can satisfy, plus those without such a guard, in
 * the same order as without the index.
 */
import type { Operator } from '../operators/operator.js';
import type { Row } from '../runtime/row.js';

/** Below this many guarded operators on one column, an index is not worth a lookup. */
const MIN_INDEXED = 8;

interface StreamIndex {
  readonly column: string;
  /** Per value: the operators an event with that value reaches, in route order. */
  readonly byValue: ReadonlyMap<unknown, readonly Operator[]>;
  /** The operators an event with any other value reaches: those without a guard on the column. */
  readonly others: readonly Operator[];
}

export class RouteIndex {
  /**
   * Per stream: the index of its route list as it was (the list and its length: the engine adds
   * a route by pushing onto the list, and removes one by making a new list), `null` when it has
   * none worth having.
   */
  readonly #indexes = new Map<string, { readonly of: readonly Operator[]; readonly length: number; readonly index: StreamIndex | null }>();

  /** The operators of `operators` (the stream's route list) that an event with `row` can matter to, in order. */
  select(stream: string, row: Row, operators: readonly Operator[] | undefined): readonly Operator[] | undefined {
    if (operators === undefined || operators.length < MIN_INDEXED) return operators;
    let entry = this.#indexes.get(stream);
    if (entry === undefined || entry.of !== operators || entry.length !== operators.length) {
      entry = { of: operators, length: operators.length, index: buildIndex(stream, operators) };
      this.#indexes.set(stream, entry);
    }
    const index = entry.index;
    if (index === null) return operators;
    return index.byValue.get(row[index.column]) ?? index.others;
  }
}

function buildIndex(stream: string, operators: readonly Operator[]): StreamIndex | null {
  const counts = new Map<string, number>();
  for (const op of operators) {
    for (const column of new Set(op.guards?.get(stream)?.map((g) => g.column))) counts.set(column, (counts.get(column) ?? 0) + 1);
  }
  let column: string | undefined;
  let best = 0;
  for (const [c, n] of counts) {
    if (n > best) [column, best] = [c, n];
  }
  if (column === undefined || best < MIN_INDEXED) return null;
  /** Per operator, the values it accepts (the intersection of its guards on the column), or undefined for any value. */
  const accepts = operators.map((op) => {
    let values: Set<unknown> | undefined;
    for (const g of op.guards?.get(stream) ?? []) {
      if (g.column !== column) continue;
      values = values === undefined ? new Set(g.values) : new Set(g.values.filter((v) => values!.has(v)));
    }
    return values;
  });
  const allValues = new Set<unknown>(accepts.flatMap((a) => (a ? [...a] : [])));
  const byValue = new Map<unknown, readonly Operator[]>();
  for (const value of allValues) byValue.set(value, operators.filter((_, i) => accepts[i] === undefined || accepts[i]!.has(value)));
  return { column, byValue, others: operators.filter((_, i) => accepts[i] === undefined) };
}
