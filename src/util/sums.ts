/**
 * Sums of numbers as SQL gives them: exact for integers, and never a non-finite DOUBLE.
 *
 * Exact sums of safe integers (an INT `SUM`, LANGUAGE.md section 2: an INT is a safe integer).
 * A running total may pass 2^53 and come back (a negative value after large positive ones, a
 * sliding window's values leaving): adding doubles would then round, and a sum of INTs must be
 * exact, as in SQL. A total is kept as two numbers, `low + high · 2^52`, with `low` a safe
 * integer: adding to `low` moves 2^52 into `high` whenever the sum would leave the safe range.
 * The common case, a total that stays safe, is one addition and one comparison.
 *
 *     let low = 0, high = 0;
 *     low = addInts(low, v); high += carry.value;
 *     intTotal(low, high);   // the exact total, or null beyond the safe integers
 */

const MAX = Number.MAX_SAFE_INTEGER;
const HALF = 2 ** 52;

/** The multiple of 2^52 (−2 to 2) the last addInts moved out of its result. */
export const carry = { value: 0 };

/**
 * `a + b` for safe integers, exactly: the result, with `carry.value · 2^52` taken out of it when
 * it would not be a safe integer.
 */
export function addInts(a: number, b: number): number {
  const t = a + b;
  if (t <= MAX && t >= -MAX) {
    carry.value = 0;
    return t;
  }
  // Both have the sign of t (else |a + b| would be at most the larger of |a| and |b|), and at
  // least one is 2^52 or more in size: taking 2^52 from each such one leaves a safe sum.
  const unit = t > 0 ? HALF : -HALF;
  let n = 0;
  if (Math.abs(a) >= HALF) {
    a -= unit;
    n++;
  }
  if (Math.abs(b) >= HALF) {
    b -= unit;
    n++;
  }
  carry.value = t > 0 ? n : -n;
  return a + b;
}

/** The total `low + high · 2^52`: exact when it is a safe integer, else null (SQL's overflow, as a NULL). */
export function intTotal(low: number, high: number): number | null {
  // (`low` is safe unless a state was saved by an earlier version, which summed in doubles.)
  if (high === 0) return Number.isSafeInteger(low) ? low : null;
  // Exact whenever the true total is a safe integer: high · 2^52 is exact, and so is a sum of
  // two exact numbers whose result is representable.
  const total = high * HALF + low;
  return Number.isSafeInteger(total) ? total : null;
}

/** A DOUBLE aggregate's value: NULL when it is not finite (an overflow, section 2's DOUBLEs are finite). */
export function finite(value: number): number | null {
  return Number.isFinite(value) ? value : null;
}
