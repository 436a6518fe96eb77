import { durationSeconds } from './duration';
import type { FieldValue } from './gracc-record';
import { normaliseInstant } from './instant';
import { LabelCache, propertyName } from './label-cache';
import { trimmed } from './trimmed';
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
  if (text === undefined || trimmed(text) === '') return;
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

// Attributes of an element that may be carried as `<key>_<attribute>`, by position (phaseUnit in seconds).
const CARRIED = ['description', 'unit', 'phaseUnit', 'storageUnit', 'formula', 'metric'] as const;
const CARRIED_POSITION: ReadonlyMap<string, number> = new Map(CARRIED.map((name, i) => [name, i]));
export const DESCRIPTION = CARRIED.indexOf('description');
const PHASE_UNIT = CARRIED.indexOf('phaseUnit');

/** A set of carried attributes, as bits by position. */
export function carriedSet(...names: (typeof CARRIED)[number][]): number {
  return names.reduce((set, name) => set | (1 << CARRIED.indexOf(name)), 0);
}
/** What an ordinary element carries: all of them. */
const ALL_CARRIED = carriedSet(...CARRIED);

/** A field key and the `<key>_<attribute>` key of each carried attribute (by position), ready to use as property names. */
export interface KeyWithAttributes {
  readonly key: string;
  readonly attributes: readonly string[];
}

export function keyWithAttributes(key: string): KeyWithAttributes {
  return { key: propertyName(key), attributes: CARRIED.map((attr) => propertyName(`${key}_${attr}`)) };
}

/** The keys of an element that is mapped under its own name. */
export const elementKeys = new LabelCache(keyWithAttributes);

/** `<key>_<attribute>` for each carried attribute of the element in `which` (phaseUnit in seconds), in the element's order. */
export function setAttributes(fields: Fields, keys: KeyWithAttributes, el: XmlElement, which = ALL_CARRIED): void {
  // Elements carry few attributes: walking them beats looking up every carried name.
  for (const attr in el.attrs) {
    const position = CARRIED_POSITION.get(attr);
    if (position === undefined || (which & (1 << position)) === 0) continue;
    const v = el.attrs[attr]!;
    if (v !== '') fields[keys.attributes[position]!] = position === PHASE_UNIT ? durationSeconds(v) : v;
  }
}

/** The rule for every element no other rule claims: `E` = text (if not empty), plus its carried attributes. */
export function setOrdinary(fields: Fields, el: XmlElement, keys = elementKeys.get(el.name)): void {
  setText(fields, keys.key, el);
  setAttributes(fields, keys, el);
}

/** `Origin@hop`, `ServerDate` and the `Connection` names of the hop that forwarded the record. */
export function setOrigin(fields: Fields, origin: XmlElement): void {
  const hop = Number(origin.attrs['hop']);
  if (hop > 0 && Number.isFinite(hop)) fields['Origin_hop'] = hop;
  for (const c of origin.children) {
    if (c.name === 'ServerDate') setInstant(fields, 'OriginServerDate', c.text);
    else if (c.name === 'Connection') {
      for (const k of c.children) {
        const key = k.name === 'SenderHost' ? 'OriginSenderHost' : k.name === 'Sender' ? 'OriginSender' : k.name === 'Collector' ? 'OriginCollector' : undefined;
        if (key !== undefined) setText(fields, key, k);
      }
    }
  }
}
