/**
 * A record's XML as a small tree. Names are local names (prefix dropped), since the GRACC
 * mapping matches `urwg:`, `urf:` and unprefixed names alike.
 */
export interface XmlElement {
  readonly name: string;
  /** Attributes by local name; `xmlns` declarations are not included. */
  readonly attrs: Record<string, string>;
  /** The element's own character data (text and CDATA directly inside it), entity-decoded. */
  text: string;
  readonly children: XmlElement[];
}

/** Local names by qualified name, for the names records repeat; bounded, as names come from the input. */
const LOCAL_NAMES = new Map<string, string>();
const MAX_CACHED_NAMES = 4096;

export function localName(qualified: string): string {
  // The same few dozen names come back in every record: handing back one string for each
  // spares a slice and makes later comparisons and property lookups with it cheaper.
  let local = LOCAL_NAMES.get(qualified);
  if (local === undefined) {
    const colon = qualified.indexOf(':');
    local = colon < 0 ? qualified : qualified.slice(colon + 1);
    if (LOCAL_NAMES.size >= MAX_CACHED_NAMES) LOCAL_NAMES.clear();
    LOCAL_NAMES.set(qualified, local);
  }
  return local;
}

/** The first child with the given local name, if any. */
export function child(parent: XmlElement, name: string): XmlElement | undefined {
  for (const c of parent.children) if (c.name === name) return c;
  return undefined;
}
