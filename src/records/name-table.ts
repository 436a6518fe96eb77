import { isNamespaceDeclaration, localName } from './xml-element';

/** Slots of the table: the few hundred distinct names of all probes' records seldom meet in one. */
const SLOTS = 2048;

/**
 * The names read out of documents (of elements and attributes), each made a string once: a
 * name found again is compared with the one kept in its slot, character by character, in
 * place of a new string that would then be hashed to become a property name. The strings
 * kept are those every tree shares (as property names, compared by identity). A name has
 * two slots it may be kept in; one whose two slots hold others takes over the second.
 */
export class NameTable {
  private readonly qualified: string[] = new Array<string>(SLOTS).fill('');
  private readonly local: string[] = new Array<string>(SLOTS).fill('');
  /** 1 where the name is `xmlns` or `xmlns:…`, a namespace declaration's. */
  private readonly declaration = new Uint8Array(SLOTS);

  /** The slot of the name `t[from, to)` (ASCII), whose hash (see hashStep) is `hash`. */
  slot(t: string, from: number, to: number, hash: number): number {
    // two places a name may be kept, so that two names of one place both stay
    const first = (hash ^ (hash >>> 11)) & (SLOTS - 1);
    if (this.holds(first, t, from, to)) return first;
    const second = ((hash >>> 16) ^ Math.imul(hash, 0x9e3779b1) >>> 21) & (SLOTS - 1);
    if (this.holds(second, t, from, to)) return second;
    const at = this.qualified[first] === '' ? first : second;
    // a string of its own (a slice of a long text would point into that text: slower to
    // compare, and it would keep the text alive)
    const name = internalized(Buffer.from(t.slice(from, to), 'latin1').toString('latin1'));
    this.qualified[at] = name;
    this.local[at] = internalized(localName(name));
    this.declaration[at] = isNamespaceDeclaration(name) ? 1 : 0;
    return at;
  }

  private holds(at: number, t: string, from: number, to: number): boolean {
    const kept = this.qualified[at]!;
    const length = to - from;
    return kept.length === length && t.startsWith(kept, from);
  }

  qualifiedName(slot: number): string {
    return this.qualified[slot]!;
  }

  localName(slot: number): string {
    return this.local[slot]!;
  }

  declaresNamespace(slot: number): boolean {
    return this.declaration[slot] === 1;
  }
}

/**
 * The string V8 keeps for `s` as a property name. Elements' and attributes' names become
 * property names of every tree's attributes object; a string that is not V8's own is looked
 * up in its string table at each such use.
 */
function internalized(s: string): string {
  return Object.keys({ [s]: 0 })[0]!;
}

/** The hash of a name so far, `hash`, with its next character `c`. */
export const hashStep = (hash: number, c: number): number => (Math.imul(hash, 31) + c) | 0;
