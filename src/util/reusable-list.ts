/**
 * A list that keeps its storage when emptied, for scratch lists refilled on every event.
 * Setting an array's `length` to 0 makes V8 drop its backing store (the next push allocates a
 * new one) and goes through a runtime call; counting the items avoids both.
 */
export class ReusableList<T> {
  /** The items; only the first `size` are the list's (the rest are undefined or stale). */
  readonly items: (T | undefined)[] = [];
  size = 0;

  push(item: T): void {
    this.items[this.size++] = item;
  }

  at(i: number): T {
    return this.items[i] as T;
  }

  /** Empties the list, keeping its storage (and, beyond `size`, stale items: hold only values that keep no memory alive). */
  reset(): void {
    this.size = 0;
  }

  /** Keeps the items that pass `keep`, in order. */
  retain(keep: (item: T) => boolean): void {
    const items = this.items;
    let kept = 0;
    for (let i = 0; i < this.size; i++) {
      const item = items[i] as T;
      if (keep(item)) items[kept++] = item;
    }
    for (let i = kept; i < this.size; i++) items[i] = undefined;
    this.size = kept;
  }
}
