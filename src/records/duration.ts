import { trimmed } from './trimmed';

// ISO 8601 durations as Gratia writes them: PnYnMnDTnHnMnS or PnW, optionally signed,
// any component may carry a fraction, components in that order. A year counts 365 days
// and a month 30 days. Read by hand rather than with a regular expression: every record
// has several.

const DAY = 86400;
const DATE_UNITS = 'YMWD';
const DATE_SECONDS = [365 * DAY, 30 * DAY, 7 * DAY, DAY];
const TIME_UNITS = 'HMS';
const TIME_SECONDS = [3600, 60, 1];

/**
 * A number of at most this many digits is read digit by digit: below 2^53 the digits make
 * an exact integer, and an exact integer divided by an exact power of ten (10^15 at most) is
 * the correctly rounded value, which is what Number() gives for the same text.
 */
const EXACT_DIGITS = 15;
const POWERS_OF_TEN = Array.from({ length: EXACT_DIGITS + 1 }, (_, k) => 10 ** k);

/** Seconds in an ISO 8601 duration; 0 when it cannot be parsed. */
export function durationSeconds(text: string): number {
  const s = trimmed(text);
  const n = s.length;
  let i = 0;
  const sign = s.charCodeAt(0);
  const negative = sign === 45; /* - */
  if (negative || sign === 43 /* + */) i++;
  if (s.charCodeAt(i) !== 80 /* P */) return 0;
  i++;
  let inTime = false;
  let next = 0; // the first designator still allowed, in order
  let seconds = 0;
  let components = 0;
  while (i < n) {
    if (s.charCodeAt(i) === 84 /* T */) {
      if (inTime) return 0;
      inTime = true;
      next = 0;
      i++;
      if (i === n) return 0; // "…T" names no time component
      continue;
    }
    const start = i;
    let digits = 0;
    let whole = 0; // the digits without the dot, as an integer while it stays exact
    let fractionDigits = -1; // digits after the dot, -1 before one
    for (; i < n; i++) {
      const c = s.charCodeAt(i);
      if (c >= 48 && c <= 57) {
        digits++;
        whole = whole * 10 + (c - 48);
        if (fractionDigits >= 0) fractionDigits++;
      } else if (c === 46 /* . */ && fractionDigits < 0) fractionDigits = 0;
      else break;
    }
    if (digits === 0 || i === n) return 0; // no number, or no designator after it
    const k = (inTime ? TIME_UNITS : DATE_UNITS).indexOf(s[i]!, next);
    if (k < 0) return 0;
    const value = digits > EXACT_DIGITS ? Number(s.slice(start, i)) : fractionDigits > 0 ? whole / POWERS_OF_TEN[fractionDigits]! : whole;
    seconds += value * (inTime ? TIME_SECONDS : DATE_SECONDS)[k]!;
    next = k + 1;
    components++;
    i++;
  }
  if (components === 0 || !Number.isFinite(seconds)) return 0;
  return negative ? -seconds : seconds;
}
