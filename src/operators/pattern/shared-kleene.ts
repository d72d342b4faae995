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

/**
 * The choices a run stands for: every subset of `events` (kept in order) with a size from `min`
 * to `max`, and, with `withLast`, only those that contain the last event. Stops after `cap`
 * choices; the second value says how many more there would have been (a lower bound: counted
 * until a second cap).
 */
export function choices(events: readonly SharedNode[], min: number, max: number, withLast: boolean, cap: number): { chosen: SharedNode[][]; skipped: number } {
  const chosen: SharedNode[][] = [];
  let skipped = 0;
  const m = events.length;
  const lo = Math.max(1, min);
  const current: SharedNode[] = [];
  const visit = (from: number): void => {
    if (skipped > cap) return;
    if (current.length >= lo && current.length <= max && (!withLast || current[current.length - 1] === events[m - 1])) {
      if (chosen.length < cap) chosen.push(current.slice());
      else skipped++;
    }
    if (current.length >= max) return;
    for (let i = from; i < m; i++) {
      current.push(events[i]!);
      visit(i + 1);
      current.pop();
    }
  };
  visit(0);
  return { chosen, skipped };
}
