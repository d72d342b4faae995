/**
 * Damerau-Levenshtein distance (optimal string alignment), case-insensitive, used for
 * did-you-mean suggestions.
 */
export function editDistance(a: string, b: string): number {
  const s = a.toLowerCase();
  const t = b.toLowerCase();
  const n = s.length;
  const m = t.length;
  if (n === 0) return m;
  if (m === 0) return n;
  let prev2 = new Array<number>(m + 1).fill(0);
  let prev = Array.from({ length: m + 1 }, (_, j) => j);
  let cur = new Array<number>(m + 1).fill(0);
  for (let i = 1; i <= n; i++) {
    cur[0] = i;
    for (let j = 1; j <= m; j++) {
      const cost = s[i - 1] === t[j - 1] ? 0 : 1;
      let d = Math.min(prev[j]! + 1, cur[j - 1]! + 1, prev[j - 1]! + cost);
      if (i > 1 && j > 1 && s[i - 1] === t[j - 2] && s[i - 2] === t[j - 1]) {
        d = Math.min(d, prev2[j - 2]! + 1);
      }
      cur[j] = d;
    }
    [prev2, prev, cur] = [prev, cur, prev2];
  }
  return prev[m]!;
}

/**
 * The candidate closest to `name`, if it is close enough to be a plausible misspelling:
 * at most a third of the name's length in edits (and at least one edit allowed). Between two as
 * close, the first; with `preferOmitted`, the first the name could be missing letters of (for
 * keywords, `withn`: WITHIN, not WITH).
 */
export function closestMatch(name: string, candidates: Iterable<string>, options: { readonly preferOmitted?: boolean } = {}): string | undefined {
  const limit = Math.max(1, Math.floor(name.length / 3));
  let best: string | undefined;
  let bestDistance = Infinity;
  let bestOmitted = false;
  for (const candidate of candidates) {
    if (candidate === name) continue;
    const d = editDistance(name, candidate);
    if (d > limit || d > bestDistance) continue;
    const omitted = options.preferOmitted === true && isSubsequence(name, candidate);
    if (d < bestDistance || (omitted && !bestOmitted)) {
      best = candidate;
      bestDistance = d;
      bestOmitted = omitted;
    }
  }
  return best;
}

/** Whether `a`'s letters appear in `b` in order (case-insensitive). */
function isSubsequence(a: string, b: string): boolean {
  const s = a.toLowerCase();
  const t = b.toLowerCase();
  let k = 0;
  for (let j = 0; j < t.length && k < s.length; j++) if (s[k] === t[j]) k++;
  return k === s.length;
}
