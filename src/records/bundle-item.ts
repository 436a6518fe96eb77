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
