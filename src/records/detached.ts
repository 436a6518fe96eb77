/**
 * A copy of the text that holds nothing else. The parser's strings are slices of the
 * whole bundle's text, which a slice keeps alive: a record's id (or a routing key made of
 * its fields), held until the sinks confirm, would keep the bundle's hundreds of KiB in the
 * heap and get them promoted to the old generation (a major collection every half second
 * at full load).
 */
export function detached(text: string): string {
  // Joining flattens into a new string; the slice past the added character is then a
  // view of that small string only.
  return (' ' + text).slice(1);
}
