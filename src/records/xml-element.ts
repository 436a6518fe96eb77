/**
 * A record's XML as a small tree. Names are local names (prefix dropped), since the GRACC
 * mapping matches `urwg:`, `urf:` and unprefixed names alike.
 */
export interface XmlElement {
  readonly name: string;
  /** Attributes by local name; `xmlns` declarations are not included. */
  readonly attrs: Record<string, string>;
  /**
   * The element's own character data (text and CDATA directly inside it), entity-decoded;
   * always '' for a record's root, whose own text no rule maps.
   */
  text: string;
  /** NO_CHILDREN for an element that has none (shared, frozen), as the quick scanner reads them. */
  children: readonly XmlElement[];
}

/** The attributes of an element that has none (shared, frozen). */
export const NO_ATTRIBUTES: Record<string, string> = Object.freeze({}) as Record<string, string>;

/** The children of an element that has none (shared, frozen). */
export const NO_CHILDREN: readonly XmlElement[] = Object.freeze([]);

/** Adds `child` to `parent`'s children: most elements are leaves, so an array of its own is made only for one that has children. */
export function appendChild(parent: XmlElement, child: XmlElement): void {
  if (parent.children === NO_CHILDREN) parent.children = [child];
  else (parent.children as XmlElement[]).push(child);
}

export function localName(qualified: string): string {
  const colon = qualified.indexOf(':');
  return colon < 0 ? qualified : qualified.slice(colon + 1);
}

/** Whether an attribute's name is a namespace declaration's, `xmlns` or `xmlns:…`. */
export function isNamespaceDeclaration(name: string): boolean {
  return name.startsWith('xmlns') && (name.length === 5 || name.charCodeAt(5) === 0x3a /* : */);
}

/** The first child with the given local name, if any. */
export function child(parent: XmlElement, name: string): XmlElement | undefined {
  for (const c of parent.children) if (c.name === name) return c;
  return undefined;
}
