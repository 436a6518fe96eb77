// ISO 8601 durations as Gratia writes them: PnYnMnDTnHnMnS or PnW, optionally signed,
// any component may carry a fraction, components in that order. A year counts 365 days
// and a month 30 days. Read by hand rather than with a regular expression: every record
// has several.

const DAY = 86400;
const DATE_UNITS = 'YMWD';
const DATE_SECONDS = [365 * DAY, 30 * DAY, 7 * DAY, DAY];
const TIME_UNITS = 'HMS';
const TIME_SECONDS = [3600, 60, 1];

/** Seconds in an ISO 8601 duration; 0 when it cannot be parsed. */
export function durationSeconds(text: string): number {
  const s = text.trim();
  let i = 0;
  const negative = s[0] === '-';
  if (negative || s[0] === '+') i++;
  if (s[i] !== 'P') return 0;
  i++;
  let inTime = false;
  let next = 0; // the first designator still allowed, in order
  let seconds = 0;
  let components = 0;
  while (i < s.length) {
    if (s[i] === 'T') {
      if (inTime) return 0;
      inTime = true;
      next = 0;
      i++;
      if (i === s.length) return 0; // "…T" names no time component
      continue;
    }
    const start = i;
    let digitsSeen = 0;
    let dots = 0;
    for (; i < s.length; i++) {
      const c = s.charCodeAt(i);
      if (c >= 48 && c <= 57) digitsSeen++;
      else if (c === 46 /* . */ && dots === 0) dots++;
      else break;
    }
    if (digitsSeen === 0 || i === s.length) return 0; // no number, or no designator after it
    const units = inTime ? TIME_UNITS : DATE_UNITS;
    const k = units.indexOf(s[i]!, next);
    if (k < 0) return 0;
    seconds += Number(s.slice(start, i)) * (inTime ? TIME_SECONDS : DATE_SECONDS)[k]!;
    next = k + 1;
    components++;
    i++;
  }
  if (components === 0 || !Number.isFinite(seconds)) return 0;
  return negative ? -seconds : seconds;
}
