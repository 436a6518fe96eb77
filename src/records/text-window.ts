/**
 * The text of a stream from some position on, kept as the chunks it arrived in. Appending
 * never copies what is held, and reading a piece copies only that piece: a string grown with
 * `+=` is copied whole (flattened) by the next search or slice, so one long run read in many
 * chunks cost time quadratic in its length.
 */
export class TextWindow {
  private readonly chunks: string[] = [];
  /** Stream position of the first held character. */
  private from = 0;
  private held = 0;

  /** Stream position of the first held character. */
  get start(): number {
    return this.from;
  }

  /** Stream position just past the last held character. */
  get end(): number {
    return this.from + this.held;
  }

  append(chunk: string): void {
    if (chunk === '') return;
    this.chunks.push(chunk);
    this.held += chunk.length;
  }

  /** The text from stream position `from` to `to` (both within what is held). */
  slice(from: number, to: number): string {
    let at = this.from;
    let out = '';
    for (const chunk of this.chunks) {
      const next = at + chunk.length;
      if (next > from && at < to) {
        const piece = chunk.slice(Math.max(0, from - at), Math.min(chunk.length, to - at));
        out = out === '' ? piece : out + piece;
      }
      if (next >= to) break;
      at = next;
    }
    return out;
  }

  /** The stream position of the last `c` before position `before`, or -1 if none is held. */
  lastIndexOf(c: string, before: number): number {
    let at = this.end;
    for (let k = this.chunks.length - 1; k >= 0; k--) {
      const chunk = this.chunks[k]!;
      at -= chunk.length;
      if (at >= before) continue;
      const found = chunk.lastIndexOf(c, before - at - 1);
      if (found >= 0) return at + found;
    }
    return -1;
  }

  /** Forgets the text before stream position `position` (at most all of it). */
  dropBefore(position: number): void {
    let drop = Math.min(position, this.end) - this.from;
    if (drop <= 0) return;
    this.from += drop;
    this.held -= drop;
    let whole = 0;
    while (whole < this.chunks.length && this.chunks[whole]!.length <= drop) drop -= this.chunks[whole++]!.length;
    if (whole > 0) this.chunks.splice(0, whole);
    if (drop > 0) this.chunks[0] = this.chunks[0]!.slice(drop);
  }

  /** Forgets everything, and starts again at stream position 0. */
  clear(): void {
    this.chunks.length = 0;
    this.from = 0;
    this.held = 0;
  }
}
