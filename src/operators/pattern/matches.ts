/**
 * A pattern's matches before they are emitted, and their order (LANGUAGE.md 6.2 rule 9): by
 * their bound events position by position, the trail of bindings made only when needed.
 */
import { bindingsInto, compareMatches, type Binding } from './run.js';

export interface Match<P = unknown> {
  readonly data: Record<string, unknown>;
  readonly time: number;
  /** The run's bindings (newest first), turned into `trail` only when matches must be ordered. */
  readonly head: Binding | undefined;
  trail: Binding[] | undefined;
  /** The sequence numbers of its first and last events, for AFTER MATCH SKIP PAST LAST EVENT. */
  readonly firstSeq: number;
  readonly lastSeq: number;
  readonly partition: P;
}

function trailOfMatch(m: Match): Binding[] {
  if (m.trail) return m.trail;
  const out: Binding[] = [];
  for (let b = m.head; b; b = b.prev) out.push(b);
  return (m.trail = out.reverse());
}

const byRule9 = (x: Match, y: Match): number => compareMatches(trailOfMatch(x), trailOfMatch(y));

/** Scratch space for comparing two matches' bindings without making their trails. */
const scratchX: Binding[] = [];
const scratchY: Binding[] = [];

function bindingsOf(m: Match, scratch: Binding[]): number {
  if (!m.trail) return bindingsInto(m.head, scratch);
  const trail = trailOfMatch(m);
  for (let i = 0; i < trail.length; i++) scratch[i] = trail[i]!;
  return trail.length;
}

/**
 * Rule 9 order. The few matches one event completes in a partition are sorted in place by
 * insertion, comparing their bindings in scratch arrays: no trail is built and nothing is
 * allocated; many matches are sorted with their trails.
 */
export function sortByRule9(matches: Match[]): void {
  if (matches.length > 16) {
    matches.sort(byRule9);
    return;
  }
  for (let i = 1; i < matches.length; i++) {
    const m = matches[i]!;
    const mLength = bindingsOf(m, scratchX);
    let j = i - 1;
    for (; j >= 0; j--) {
      const other = matches[j]!;
      if (compareMatches(scratchY, scratchX, bindingsOf(other, scratchY), mLength) <= 0) break;
      matches[j + 1] = other;
    }
    matches[j + 1] = m;
  }
}
