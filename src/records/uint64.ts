const MAX_UINT64 = 18446744073709551615n;
const DIGITS = /^\d+$/;

/**
 * An unsigned 64-bit count (storage sizes, file counts) kept as its decimal digits, so that
 * values above 2^53 are written digit for digit in JSON.
 */
export class Uint64 {
  private constructor(readonly digits: string) {}

  /**
   * Parses the element text (surrounding space trimmed; empty means 0). Returns undefined
   * for a negative, non-numeric or overflowing value.
   */
  static parse(text: string): Uint64 | undefined {
    const t = text.trim();
    if (t === '') return new Uint64('0');
    if (!DIGITS.test(t)) return undefined;
    const n = BigInt(t);
    if (n > MAX_UINT64) return undefined;
    return new Uint64(n.toString());
  }

  isZero(): boolean {
    return this.digits === '0';
  }
}
