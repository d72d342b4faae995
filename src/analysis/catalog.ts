/**
 * The streams and tables a script can read (LANGUAGE.md sections 2, 5 and 8): those deployed
 * before it and those it defines, in order. Names are case-sensitive.
 */
import type { Schema } from '../model/types.js';

export interface CatalogEntry {
  readonly name: string;
  readonly kind: 'stream' | 'table';
  readonly schema: Schema;
  /** A derived stream is the output of a query; `reads` are the streams that query reads. */
  readonly derived: boolean;
  readonly reads: readonly string[];
  readonly timestamp: string | undefined;
  readonly primaryKey: string | undefined;
  /** True for the engine's own streams (`_rejected`), which cannot be dropped or redefined. */
  readonly system: boolean;
  /**
   * True for a derived stream whose query has an error: its name is defined, so that reading it
   * reports nothing more, but its columns are not known.
   */
  readonly incomplete?: boolean;
}

/** The system stream every rejected event is published on (LANGUAGE.md section 2). */
export const REJECTED_STREAM: CatalogEntry = {
  name: '_rejected',
  kind: 'stream',
  schema: {
    columns: [
      { name: 'stream', type: 'STRING', notNull: true },
      { name: 'reason', type: 'STRING', notNull: true },
      { name: 'event', type: 'JSON', notNull: false },
    ],
  },
  derived: false,
  reads: [],
  timestamp: undefined,
  primaryKey: undefined,
  system: true,
};

export class Catalog {
  readonly #entries: Map<string, CatalogEntry>;

  constructor(entries: Iterable<CatalogEntry> = [REJECTED_STREAM]) {
    this.#entries = new Map([...entries].map((e) => [e.name, e]));
  }

  clone(): Catalog {
    return new Catalog(this.#entries.values());
  }

  get(name: string): CatalogEntry | undefined {
    return this.#entries.get(name);
  }

  has(name: string): boolean {
    return this.#entries.has(name);
  }

  add(entry: CatalogEntry): void {
    this.#entries.set(entry.name, entry);
  }

  remove(name: string): void {
    this.#entries.delete(name);
  }

  names(): string[] {
    return [...this.#entries.keys()];
  }

  entries(): CatalogEntry[] {
    return [...this.#entries.values()];
  }

  /** The derived streams whose queries read `name`. */
  readersOf(name: string): string[] {
    return this.entries()
      .filter((e) => e.reads.includes(name))
      .map((e) => e.name);
  }
}
