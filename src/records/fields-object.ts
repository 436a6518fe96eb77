import type { FieldValue } from './gracc-record';

// A record's fields are set by computed names (`fields[key] = v`). V8 lets an object take at
// most max(12, its in-object slots) properties by such stores outside its own slots before it
// turns the object into a hash table ("dictionary mode"): a `{}` holds 4 in itself, so a
// record of 57 fields went over at the 17th, and every later store (and the JSON writer's
// keyed reads) was a hash-table one, rehashing as the table grew. An object made by `new`
// of a constructor has as many slots as the engine expects that constructor to give it,
// which it reckons from the `this.x = …` assignments in its body (read, not run): a
// constructor with IN_OBJECT assignments that never run makes objects that stay fast up to
// about twice that many fields. Its prototype is Object.prototype, so what it makes is a
// plain object: the same prototype, keys, order and JSON as a literal's.

/** In-object slots wanted: a modern JobUsageRecord has about 60 fields. */
const IN_OBJECT = 64;

type FieldsConstructor = new () => Record<string, FieldValue>;

/** The constructor: `this.s0 = 0; …` behind a test that is always false (the slots are counted, no property is made). */
function fieldsConstructor(): FieldsConstructor {
  const slots = Array.from({ length: IN_OBJECT }, (_, i) => `this.s${i} = 0;`).join(' ');
  const make = new Function('never', `if (never === true) { ${slots} }`) as unknown as { prototype: object } & FieldsConstructor;
  make.prototype = Object.prototype;
  // The engine gives the first few objects made the expected slots, then shrinks later ones
  // to the most any of those used ("slack tracking"): the first objects fill every slot.
  for (let n = 0; n < 16; n++) {
    const o = new make();
    for (let i = 0; i < IN_OBJECT + 8; i++) o[`s${i}`] = 0;
  }
  return make;
}

const FieldsObject = fieldsConstructor();

/** An empty plain object with room for a record's fields in itself. */
export function emptyFields(): Record<string, FieldValue> {
  return new FieldsObject();
}

/** A new record's fields, `type` first. */
export function newFields(type: string): Record<string, FieldValue> {
  const fields = new FieldsObject();
  fields['type'] = type;
  return fields;
}
