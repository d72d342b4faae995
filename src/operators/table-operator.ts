/**
 * A TABLE (LANGUAGE.md section 8): the latest row per PRIMARY KEY, upserted by each event of its
 * source; an event whose non-key columns are all NULL deletes its key's row.
 */
import { keyId, type Row } from '../runtime/row.js';
import type { Operator, OperatorEvent } from './operator.js';

export class TableOperator implements Operator {
  readonly inputs: readonly string[];
  readonly #rows = new Map<string, Row>();
  readonly #key: string;
  readonly #valueColumns: readonly string[];
  readonly #maxRows: number;
  readonly #dropped: (n: number) => void;
  readonly #admit: () => boolean;

  /** `dropped` counts a row refused at the cap; `admit` is asked before a new key is kept (OperatorContext.admit). */
  constructor(name: string, key: string, columns: readonly string[], maxRows: number, dropped: (n: number) => void, admit: () => boolean) {
    this.inputs = [name];
    this.#key = key;
    this.#valueColumns = columns.filter((c) => c !== key);
    this.#maxRows = maxRows;
    this.#dropped = dropped;
    this.#admit = admit;
  }

  onEvent(ev: OperatorEvent): void {
    const id = keyId(ev.row[this.#key]);
    // A table of a key (and event time) alone has nothing to be NULL: its rows are never deletes.
    if (this.#valueColumns.length > 0 && this.#valueColumns.every((c) => ev.row[c] === null || ev.row[c] === undefined)) {
      this.#rows.delete(id);
    } else if (this.#rows.has(id)) {
      this.#rows.set(id, ev.row);
    } else if (this.#rows.size >= this.#maxRows) {
      this.#dropped(1);
    } else if (this.#admit()) {
      this.#rows.set(id, ev.row);
    }
  }

  onTimer(): void {}

  lookup(key: unknown): Row | undefined {
    if (key === null || key === undefined) return undefined;
    return this.#rows.get(keyId(key));
  }

  stateSize(): number {
    return this.#rows.size;
  }

  saveState(): ReadonlyMap<string, Row> {
    return this.#rows;
  }

  loadState(state: unknown): void {
    this.#rows.clear();
    for (const [id, row] of state as ReadonlyMap<string, Row>) this.#rows.set(id, row);
  }
}
