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

/** A place in a sequence of labels: `next` is the entry of the label that followed it last time. */
export interface LabelPosition<T> {
  next: LabelEntry<T> | undefined;
  /** The label of an entry; none for a sequence's start. */
  readonly label?: string;
}

/** A label kept, and what was made of it. */
export interface LabelEntry<T> extends LabelPosition<T> {
  readonly label: string;
  readonly value: T;
  /** False for a label too long to keep: such an entry is linked from none. */
  readonly kept: boolean;
}

/** What `make` gives for a label, kept for up to `limit` labels; once full it starts over. */
export class LabelCache<T> {
  private readonly byLabel = new Map<string, LabelEntry<T>>();
  /** Where a sequence read with `after` begins (one sequence a cache). */
  readonly start: LabelPosition<T> = { next: undefined };

  constructor(private readonly make: (label: string) => T, private readonly limit = 512) {}

  get(label: string): T {
    return this.entry(label).value;
  }

  /**
   * The entry of `label`, read after `previous`. Records of a probe carry the same labels in
   * the same order, so the label that followed `previous` last time is tried first: one
   * comparison of strings, where a look-up would hash the new string first.
   */
  after(previous: LabelPosition<T>, label: string): LabelEntry<T> {
    const guess = previous.next;
    if (guess !== undefined && guess.label === label) return guess;
    // The same label again (CpuDuration, CpuDuration, WallDuration): the entry itself, its
    // `next` left for the label that follows the run.
    if (previous.label === label) return previous as LabelEntry<T>;
    const entry = this.entry(label);
    if (entry.kept) previous.next = entry;
    return entry;
  }

  /** How many labels are kept (for tests). */
  get size(): number {
    return this.byLabel.size;
  }

  private entry(label: string): LabelEntry<T> {
    const known = this.byLabel.get(label);
    if (known !== undefined) return known;
    if (label.length > MAX_LABEL_LENGTH) return { label, value: this.make(label), kept: false, next: undefined };
    if (this.byLabel.size >= this.limit) {
      // Starting over lets go of every entry: they are linked only to each other and from `start`.
      this.byLabel.clear();
      this.start.next = undefined;
    }
    const entry: LabelEntry<T> = { label: propertyName(label), value: this.make(label), kept: true, next: undefined };
    this.byLabel.set(entry.label, entry);
    return entry;
  }
}
