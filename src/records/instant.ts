import { trimmed } from './trimmed';

// RFC 3339 instants, re-written at second precision: the fraction is dropped, the offset
// kept, and a zero offset written `Z`. An instant without an offset is not RFC 3339.
// Read by position rather than with a regular expression: every record has several.

const DAYS_IN_MONTH = [31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

function isLeap(year: number): boolean {
  return (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0;
}

/** The value of the `width` digits at `at`, or -1 if any is not a digit. */
function digits(s: string, at: number, width: number): number {
  let v = 0;
  for (let i = at; i < at + width; i++) {
    const d = s.charCodeAt(i) - 48;
    if (d < 0 || d > 9) return -1;
    v = v * 10 + d;
  }
  return v;
}

/** The normalised instant, or undefined when the text is not an RFC 3339 instant with an offset. */
export function normaliseInstant(text: string): string | undefined {
  const s = trimmed(text);
  // YYYY-MM-DDTHH:MM:SS, then an optional fraction, then Z or ±HH:MM
  if (s.length < 20 || s[4] !== '-' || s[7] !== '-' || (s[10] !== 'T' && s[10] !== 't') || s[13] !== ':' || s[16] !== ':') return undefined;
  const year = digits(s, 0, 4), month = digits(s, 5, 2), day = digits(s, 8, 2);
  const hour = digits(s, 11, 2), minute = digits(s, 14, 2), second = digits(s, 17, 2);
  if (year < 0 || month < 1 || month > 12 || day < 1 || day > DAYS_IN_MONTH[month - 1]!) return undefined;
  if (month === 2 && day === 29 && !isLeap(year)) return undefined;
  if (hour < 0 || hour > 23 || minute < 0 || minute > 59 || second < 0 || second > 59) return undefined;
  let i = 19;
  if (s[i] === '.') {
    const start = ++i;
    while (i < s.length && digits(s, i, 1) >= 0) i++;
    if (i === start) return undefined;
  }
  let offset: string;
  const rest = s.length - i;
  if (rest === 1 && (s[i] === 'Z' || s[i] === 'z')) {
    // Most instants are written as they come out: the text itself then, not a copy.
    if (i === 19 && s[10] === 'T' && s[19] === 'Z') return s;
    offset = 'Z';
  } else if (rest === 6 && (s[i] === '+' || s[i] === '-') && s[i + 3] === ':') {
    const oh = digits(s, i + 1, 2), om = digits(s, i + 4, 2);
    if (oh < 0 || oh > 23 || om < 0 || om > 59) return undefined;
    offset = oh === 0 && om === 0 ? 'Z' : s.slice(i, i + 6);
  } else return undefined;
  return `${s.slice(0, 10)}T${s.slice(11, 19)}${offset}`;
}
