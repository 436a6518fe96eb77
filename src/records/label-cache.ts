// Field keys are made from labels a record carries (element names, Resource descriptions,
// TimeDuration types). Each record's labels are new strings, and a new string used as an
// object key is first looked up in the engine's table of all property names; a key built
// with `+` must be flattened too. Records repeat the same few labels, so the keys made of a
// label are made once and looked up by the label after that, ready to use.

/** Labels longer than this are not kept (no real label is near it; a hostile one may be megabytes). */
const MAX_LABEL_LENGTH = 128;

/**
 * `s` as the engine's unique copy of a property name: a flat string of its own, which holds
 * on to no larger text it was sliced from, and which an object takes as a key at once.
 */
export function propertyName(s: string): string {
  return Object.keys({ [s]: 0 })[0]!;
}

/** What `make` gives for a label, kept for up to `limit` labels; once full it starts over. */
export class LabelCache<T> {
  private readonly byLabel = new Map<string, T>();

  constructor(private readonly make: (label: string) => T, private readonly limit = 512) {}

  get(label: string): T {
    const known = this.byLabel.get(label);
    if (known !== undefined) return known;
    const made = this.make(label);
    if (label.length <= MAX_LABEL_LENGTH) {
      if (this.byLabel.size >= this.limit) this.byLabel.clear();
      this.byLabel.set(propertyName(label), made);
    }
    return made;
  }

  /** How many labels are kept (for tests). */
  get size(): number {
    return this.byLabel.size;
  }
}
