/**
 * `s.trim()`, without the call when `s` begins and ends with a printable ASCII character,
 * none of which is white space: values in records nearly always do.
 */
export function trimmed(s: string): string {
  const n = s.length;
  if (n === 0) return s;
  const first = s.charCodeAt(0), last = s.charCodeAt(n - 1);
  return first > 32 && first < 127 && last > 32 && last < 127 ? s : s.trim();
}
