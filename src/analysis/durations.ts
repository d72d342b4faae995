/**
 * Durations (LANGUAGE.md section 1): a number and a unit, in milliseconds. `EVENTS` is a count,
 * allowed only for the size of count-based windows (section 7).
 */
import type * as A from '../lang/ast.js';
import { diagnostic, didYouMean, type Diagnostic } from '../lang/diagnostics.js';
import { closestMatch } from '../util/edit-distance.js';

/** Plural first, so that a misspelt plural is corrected to the plural. */
const UNIT_MILLIS: Record<string, number> = {
  MILLISECONDS: 1,
  MILLISECOND: 1,
  SECONDS: 1_000,
  SECOND: 1_000,
  MINUTES: 60_000,
  MINUTE: 60_000,
  HOURS: 3_600_000,
  HOUR: 3_600_000,
  DAYS: 86_400_000,
  DAY: 86_400_000,
};

interface Reporter {
  readonly file: string;
  readonly diagnostics: Diagnostic[];
}

export function isEventCount(d: A.Duration): boolean {
  const unit = d.unit.text.toUpperCase();
  return unit === 'EVENTS' || unit === 'EVENT';
}

/** The duration in milliseconds, or undefined after reporting why it is not one. */
export function durationMillis(r: Reporter, d: A.Duration, allowEvents: boolean): number | undefined {
  const unit = d.unit.text.toUpperCase();
  const factor = UNIT_MILLIS[unit];
  if (factor === undefined) {
    if (isEventCount(d)) {
      r.diagnostics.push(diagnostic('invalidDuration', r.file, d.unit.span, allowEvents ? 'EVENTS is not a time unit here' : 'EVENTS counts events: it is only allowed as the SIZE of a TUMBLING or SLIDING window'));
      return undefined;
    }
    const units = Object.keys(UNIT_MILLIS);
    const hint = didYouMean(closestMatch(unit, allowEvents ? [...units, 'EVENTS'] : units));
    r.diagnostics.push(diagnostic('unknownUnit', r.file, d.unit.span, `unknown duration unit '${d.unit.text}'`, hint ?? `units: ${units.filter((u) => u.endsWith('S')).join(', ')}`));
    return undefined;
  }
  const ms = d.amount * factor;
  if (!Number.isSafeInteger(ms)) {
    r.diagnostics.push(diagnostic('invalidDuration', r.file, d.span, `duration ${d.amountText} ${d.unit.text} is not a whole number of milliseconds within range`));
    return undefined;
  }
  return ms;
}
