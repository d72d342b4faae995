/**
 * State kept outside V8's heap: the typed arrays of flat pattern operators' runs. The memory
 * budget (engine/memory.ts) counts these bytes with the heap, since `--max-old-space-size` does
 * not bound them. Each holder reports its own size as it changes; once a holder is collected
 * (its query undeployed), its bytes no longer count.
 */

let total = 0;

const registry = new FinalizationRegistry<OffHeapBytes>((held) => {
  total -= held.bytes;
  held.bytes = 0;
});

/** The bytes one holder keeps off the heap. */
export class OffHeapBytes {
  bytes = 0;

  /** Counts the bytes `owner` keeps until it is collected. */
  constructor(owner: object) {
    registry.register(owner, this);
  }

  /** The holder keeps `bytes` now. */
  set(bytes: number): void {
    total += bytes - this.bytes;
    this.bytes = bytes;
  }
}

/** The bytes all live holders keep off the heap. */
export function offHeapBytes(): number {
  return total;
}
