// Attribute values as the earlier collector read them: entity-decoded, but without the XML
// attribute-value normalisation that turns tabs and newlines into spaces (the GRACC
// mapping keeps them). Only used for start tags where that normalisation changed something.

const ATTRIBUTE = /([^\s=/>]+)\s*=\s*(?:"([^"]*)"|'([^']*)')/g;
const REFERENCE = /&(?:#x([0-9a-fA-F]+)|#(\d+)|(lt|gt|amp|quot|apos));/g;
const NAMED: Record<string, string> = { lt: '<', gt: '>', amp: '&', quot: '"', apos: "'" };

function decode(value: string): string {
  return value
    .replace(/\r\n?/g, '\n')
    .replace(REFERENCE, (_, hex: string | undefined, dec: string | undefined, name: string | undefined) =>
      name !== undefined ? NAMED[name]! : String.fromCodePoint(parseInt(hex ?? dec!, hex !== undefined ? 16 : 10)));
}

/** The attributes of a start tag's text (`<E a="1" …>`), by qualified name. */
export function rawAttributes(startTag: string): Record<string, string> {
  const attrs: Record<string, string> = {};
  for (const m of startTag.matchAll(ATTRIBUTE)) attrs[m[1]!] = decode(m[2] ?? m[3] ?? '');
  return attrs;
}
