import type { Uint64 } from './uint64';

export type FieldValue = string | number | Uint64;

/** The GRACC raw record of one Gratia record, before formatting. */
export interface GraccRecord {
  /** 0-based position in the bundle. */
  readonly index: number;
  /** `type` field: JobUsageRecord, StorageElement, StorageElementRecord, or the element name. */
  readonly type: string;
  /** RecordId or UniqueID; '' when the record has none. */
  readonly id: string;
  /** The mapped fields, RawXML last. */
  readonly fields: Record<string, FieldValue>;
  /** Whether a field holds a 64-bit count (which JSON must write digit for digit). */
  readonly exactCounts: boolean;
  /** The record's own text, exactly as received. */
  readonly raw: string;
  /** Namespace declarations in scope from the record's ancestors (the envelope), by attribute name. */
  readonly inheritedNamespaces: Readonly<Record<string, string>>;
}

/**
 * A `ProbeDetails` handshake, or the `xxx` ping a probe sends to test its connection:
 * counted and acknowledged, never published.
 */
export interface Handshake {
  readonly kind: 'handshake';
  readonly index: number;
  readonly ping?: true;
}
