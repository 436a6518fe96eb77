import type { Handshake } from './gracc-record';
import type { XmlElement } from './xml-element';

/** One record as split out of a bundle, not yet mapped. */
export interface RecordItem {
  readonly kind: 'record';
  /** 0-based position among the bundle's records and handshakes. */
  readonly index: number;
  readonly root: XmlElement;
  /** The record's own text, exactly as received. */
  readonly raw: string;
  /** `xmlns`/`xmlns:p` declarations in scope from ancestors, by attribute name. */
  readonly inheritedNamespaces: Readonly<Record<string, string>>;
}

export type BundleItem = RecordItem | Handshake;

/** An element read as a bundle's item: a `ProbeDetails` is a handshake, any other a record (its own text `raw`). */
export function bundleItem(index: number, root: XmlElement, raw: string, inheritedNamespaces: Readonly<Record<string, string>>): BundleItem {
  return root.name === 'ProbeDetails' ? { kind: 'handshake', index } : { kind: 'record', index, root, raw, inheritedNamespaces };
}
