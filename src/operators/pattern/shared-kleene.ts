/**
 * The shared structure of LANGUAGE.md section 11. Under SKIP TILL ANY MATCH, runs that differ
 * only in which events a Kleene element took are kept as one run holding the list of events the
 * element could take: whether an event qualifies depends only on constants and earlier
 * singletons, so every choice among them is a run of the plain semantics. Memory and work per
 * event stay linear in the window's content; only enumerating the matches at completion costs
 * as much as the output.
 */
import type { SharedNode } from './run.js';

/** The list's events, oldest first. */
export function sharedEvents(head: SharedNode | undefined): SharedNode[] {
  const out: SharedNode[] = [];
  for (let n = head; n; n = n.prev) out.push(n);
  return out.reverse();
}

/** How many subsets of sizes `lo`..`hi` a set of `m` has (as a double: exact up to 2^53). */
function countSubsets(m: number, lo: number, hi: number): number {
  let total = 0;
  let binomial = 1; // C(m, 0)
  for (let k = 0; k <= Math.min(hi, m); k++) {
    if (k >= lo) total += binomial;
    binomial = (binomial * (m - k)) / (k + 1);
  }
  return total;
}

/**
 * The choices a run stands for: every subset of `events` (kept in order) with a size from `min`
 * to `max`, and, with `withLast`, only those that contain the last event. At most `cap` are
 * listed; `skipped` says how many more there are.
 */
export function choices(events: readonly SharedNode[], min: number, max: number, withLast: boolean, cap: number): { chosen: SharedNode[][]; skipped: number } {
  const chosen: SharedNode[][] = [];
  const lo = Math.max(1, min);
  // With `withLast`, choose among the earlier events and add the last: no visit is wasted.
  const last = withLast ? events[events.length - 1] : undefined;
  const pool = withLast ? events.slice(0, -1) : events;
  const from = withLast ? lo - 1 : lo;
  const to = withLast ? max - 1 : max;
  const total = countSubsets(pool.length, from, to);
  const current: SharedNode[] = [];
  const visit = (start: number): void => {
    if (current.length >= from && current.length <= to) chosen.push(last ? [...current, last] : current.slice());
    if (current.length >= to) return;
    for (let i = start; i < pool.length && chosen.length < cap; i++) {
      current.push(pool[i]!);
      visit(i + 1);
      current.pop();
    }
  };
  if (last === undefined || to >= 0) visit(0);
  return { chosen, skipped: Math.max(0, total - chosen.length) };
}
