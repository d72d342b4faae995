/**
 * The engine-wide memory budget in a real process with a small heap (128 MB): three pattern
 * queries, none at its own cap, are flooded with partial matches holding 2 KB events (300 MB
 * in all). Without the budget the process dies of an out-of-memory error; with it, the process
 * lives, the refused runs are counted, and once the runs expire, matching goes on.
 */
import { spawnSync } from 'node:child_process';
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';

const FLOOD = resolve(import.meta.dirname, '../fixtures/memory/flood.mjs');

function flood(...args: string[]) {
  return spawnSync(process.execPath, ['--max-old-space-size=128', FLOOD, ...args], { encoding: 'utf8', timeout: 120_000 });
}

describe('the memory budget, in a 128 MB heap', () => {
  it('keeps the process alive under a flood of state, counts what it refused, and matches again once the state expires', () => {
    const r = flood();
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    const out = JSON.parse(r.stdout) as {
      flooded: { memoryFull: boolean; memoryDrops: number; runsAlive: number };
      after: { memoryFull: boolean; memoryDrops: number };
      matches: number;
    };
    expect(out.flooded.memoryFull).toBe(true);
    expect(out.flooded.memoryDrops).toBeGreaterThan(0);
    // Every A event either started its run or was refused, in each of the three queries.
    expect(out.flooded.runsAlive + out.flooded.memoryDrops).toBe(3 * 150_000);
    // Once the runs have expired, the guard's next reading (within 1,024 requests) admits
    // state again, though the heap may still hold them as garbage: of 10,000 pairs, only those
    // refused before it are lost.
    expect(out.after.memoryFull).toBe(false);
    const refusedAfter = out.after.memoryDrops - out.flooded.memoryDrops;
    expect(refusedAfter).toBeLessThan(1024);
    expect(out.matches + refusedAfter).toBeGreaterThanOrEqual(10_000);
  });

  it('keeps the process alive when the state is what its count does not see: a sliding window of large values beside expiring runs, a COUNT(DISTINCT) of large values', () => {
    const UNCOUNTED = resolve(import.meta.dirname, '../fixtures/memory/uncounted.mjs');
    for (const which of ['sliding', 'distinct']) {
      const r = spawnSync(process.execPath, ['--max-old-space-size=128', UNCOUNTED, which], { encoding: 'utf8', timeout: 120_000 });
      expect(r.stderr, which).toBe('');
      expect(r.status, which).toBe(0);
      const out = JSON.parse(r.stdout) as { memoryDrops: number; counts: (number | null)[] };
      expect(out.memoryDrops, which).toBeGreaterThan(0);
      // A COUNT(DISTINCT) refused a value is NULL, not a wrong number.
      if (which === 'distinct') expect(out.counts).toEqual([null]);
    }
  });

  it('without it (maxHeapBytes: Infinity) the same flood ends the process', () => {
    const r = flood('off');
    expect(r.status).not.toBe(0);
    expect(r.stderr).toMatch(/heap out of memory/);
  });
});
