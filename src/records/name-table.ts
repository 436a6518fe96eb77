import { isNamespaceDeclaration, localName } from './xml-element';

/** Slots of the table: a record's few dozen distinct names, and those of other probes', seldom meet in one. */
const SLOTS = 512;

/**
 * The names read out of documents (of elements and attributes), each made a string once: a
 * name found again is compared with the one kept in its slot, character by character, in
 * place of a new string that would then be hashed to become a property name. The strings
 * kept are those every tree shares (as property names, compared by identity). A name whose
 * slot holds another takes it over.
 */
export class NameTable {
  private readonly qualified: string[] = new Array<string>(SLOTS).fill('');
  private readonly local: string[] = new Array<string>(SLOTS).fill('');
  /** 1 where the name is `xmlns` or `xmlns:…`, a namespace declaration's. */
  private readonly declaration = new Uint8Array(SLOTS);

  /** The slot of the name `t[from, to)`, whose hash (see hashStep) is `hash`. */
  slot(t: string, from: number, to: number, hash: number): number {
    const at = (hash ^ (hash >>> 9)) & (SLOTS - 1);
    const kept = this.qualified[at]!;
    const length = to - from;
    if (kept.length === length) {
      let k = 0;
      while (k < length && kept.charCodeAt(k) === t.charCodeAt(from + k)) k++;
      if (k === length) return at;
    }
    const name = t.slice(from, to);
    this.qualified[at] = name;
    this.local[at] = localName(name);
    this.declaration[at] = isNamespaceDeclaration(name) ? 1 : 0;
    return at;
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

/** The hash of a name so far, `hash`, with its next character `c`. */
export const hashStep = (hash: number, c: number): number => (Math.imul(hash, 31) + c) | 0;
