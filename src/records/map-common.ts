import { durationSeconds } from './duration';
import type { FieldValue } from './gracc-record';
import { normaliseInstant } from './instant';
import type { XmlElement } from './xml-element';

export type Fields = Record<string, FieldValue>;

/** Thrown by the mappers for a value that makes the record invalid; the caller names the record. */
export class InvalidValue extends Error {}

/** Sets `key` to the element's text, unless the text is empty. */
export function setText(fields: Fields, key: string, el: XmlElement | undefined): void {
  if (el !== undefined && el.text !== '') fields[key] = el.text;
}

/** Sets `key` to a normalised instant; an instant that is not RFC 3339 with an offset is invalid. */
export function setInstant(fields: Fields, key: string, text: string | undefined): void {
  if (text === undefined || text.trim() === '') return;
  const instant = normaliseInstant(text);
  if (instant === undefined) throw new InvalidValue(`${key}: not an RFC 3339 instant with an offset: ${JSON.stringify(text)}`);
  fields[key] = instant;
}

/** The key of a Resource or TimeDuration: its description or type with `.` and space turned into `-`. */
export function keyOf(label: string | undefined): string {
  if (!label) return 'unknown';
  // most labels have neither: no regular expression for them
  return label.includes('.') || label.includes(' ') ? label.replace(/[. ]/g, '-') : label;
}

// Attributes of an ordinary element that are carried as `E_<attribute>`, and which of them are durations.
const CARRIED_ATTRIBUTES: ReadonlySet<string> = new Set(['description', 'unit', 'phaseUnit', 'storageUnit', 'formula', 'metric']);

/** `E_<attribute>` for each carried attribute of the element (phaseUnit in seconds). */
export function setAttributes(fields: Fields, prefix: string, el: XmlElement, which: ReadonlySet<string> = CARRIED_ATTRIBUTES): void {
  // Elements carry few attributes: walking them beats looking up every carried name.
  for (const attr in el.attrs) {
    const v = el.attrs[attr]!;
    if (v === '' || !which.has(attr)) continue;
    fields[`${prefix}_${attr}`] = attr === 'phaseUnit' ? durationSeconds(v) : v;
  }
}

/** The rule for every element no other rule claims: `E` = text (if not empty), plus its carried attributes. */
export function setOrdinary(fields: Fields, el: XmlElement): void {
  setText(fields, el.name, el);
  setAttributes(fields, el.name, el);
}

/** `Origin@hop`, `ServerDate` and the `Connection` names of the hop that forwarded the record. */
export function setOrigin(fields: Fields, origin: XmlElement): void {
  const hop = Number(origin.attrs['hop']);
  if (hop > 0 && Number.isFinite(hop)) fields['Origin_hop'] = hop;
  for (const c of origin.children) {
    if (c.name === 'ServerDate') setInstant(fields, 'OriginServerDate', c.text);
    else if (c.name === 'Connection') {
      for (const k of c.children) {
        if (k.name === 'SenderHost' || k.name === 'Sender' || k.name === 'Collector') setText(fields, `Origin${k.name}`, k);
      }
    }
  }
}
