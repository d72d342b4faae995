/**
 * Time zones by name (LANGUAGE.md section 4's time functions, section 2's `timezone` option):
 * resolved the same way where a script is checked and where it runs, so that a zone refused at
 * run time is refused at deployment when it is written as a literal.
 */
import { FixedOffsetZone, IANAZone, type Zone } from 'luxon';

const ZONE_CACHE_LIMIT = 1000;
const zoneCache = new Map<string, Zone | null>();

/**
 * A time zone by name: an IANA name (`Europe/London`), `UTC`/`GMT`, or a fixed offset
 * (`UTC+3`, `UTC-05:30`); null when unknown. Decision: `local` and `system` are not zones here
 * (the output would depend on the machine). Cached, with a bound because names may come from data.
 */
export function resolveZone(name: string): Zone | null {
  let zone = zoneCache.get(name);
  if (zone === undefined) {
    zone = lookupZone(name);
    if (zoneCache.size >= ZONE_CACHE_LIMIT) zoneCache.clear();
    zoneCache.set(name, zone);
  }
  return zone;
}

function lookupZone(name: string): Zone | null {
  const lower = name.trim().toLowerCase();
  if (lower === 'utc' || lower === 'gmt' || lower === 'z') return FixedOffsetZone.utcInstance;
  if (lower === 'local' || lower === 'system' || lower === '') return null;
  const fixed = FixedOffsetZone.parseSpecifier(lower);
  if (fixed) return fixed;
  const iana = IANAZone.create(name.trim());
  return iana.isValid ? iana : null;
}

