// Parsers for the two unit-bearing value kinds of the config: durations and byte sizes.

const NS_PER_UNIT: ReadonlyMap<string, bigint> = new Map([
  ['ns', 1n],
  ['us', 1_000n],
  ['\u00b5s', 1_000n], // micro sign
  ['\u03bcs', 1_000n], // Greek small letter mu
  ['ms', 1_000_000n],
  ['s', 1_000_000_000n],
  ['m', 60_000_000_000n],
  ['h', 3_600_000_000_000n],
]);

const MAX_INT64 = (1n << 63n) - 1n;

/** One `<number><unit>` element of a duration: digits, optional fraction, then non-digit unit. */
const DURATION_PART = /(\d*)(?:\.(\d*))?([^\d.]*)/y;

/**
 * Parses a duration in Go's `time.ParseDuration` syntax ("10s", "1h30m", "1.5h", "250ms", "0")
 * and returns it in milliseconds (fractional for sub-millisecond parts).
 * Throws an Error saying what is wrong on anything else.
 */
export function parseDuration(s: string): number {
  if (typeof s !== 'string') throw new Error(`invalid duration ${String(s)}: not a string`);
  const bad = (why: string): Error => new Error(`invalid duration ${JSON.stringify(s)}: ${why}`);
  let rest = s;
  let negative = false;
  if (rest.startsWith('-') || rest.startsWith('+')) {
    negative = rest.startsWith('-');
    rest = rest.slice(1);
  }
  if (rest === '0') return 0;
  if (rest === '') throw bad('empty');

  let totalNs = 0n;
  let pos = 0;
  while (pos < rest.length) {
    DURATION_PART.lastIndex = pos;
    const m = DURATION_PART.exec(rest);
    // The pattern can match the empty string; that only happens on a character it cannot start with.
    if (m === null || m[0] === '') throw bad(`unexpected ${JSON.stringify(rest[pos])}`);
    const [whole, intDigits = '', fracDigits, unit = ''] = m;
    if (intDigits === '' && (fracDigits === undefined || fracDigits === '')) throw bad('expected a number');
    if (unit === '') throw bad('missing unit (use ns, us, ms, s, m or h)');
    const unitNs = NS_PER_UNIT.get(unit);
    if (unitNs === undefined) throw bad(`unknown unit ${JSON.stringify(unit)} (use ns, us, ms, s, m or h)`);
    let partNs = BigInt(intDigits === '' ? '0' : intDigits) * unitNs;
    if (fracDigits) partNs += (BigInt(fracDigits) * unitNs) / 10n ** BigInt(fracDigits.length);
    totalNs += partNs;
    if (totalNs > MAX_INT64) throw bad('too large');
    pos += whole.length;
  }
  const ms = Number(totalNs) / 1e6;
  return negative && ms !== 0 ? -ms : ms;
}

const BYTES_PER_UNIT: ReadonlyMap<string, number> = new Map([
  ['', 1],
  ['b', 1],
  // powers of 1000 (SI)
  ['k', 1e3],
  ['kb', 1e3],
  ['m', 1e6],
  ['mb', 1e6],
  ['g', 1e9],
  ['gb', 1e9],
  ['t', 1e12],
  ['tb', 1e12],
  // powers of 1024 (IEC)
  ['ki', 2 ** 10],
  ['kib', 2 ** 10],
  ['mi', 2 ** 20],
  ['mib', 2 ** 20],
  ['gi', 2 ** 30],
  ['gib', 2 ** 30],
  ['ti', 2 ** 40],
  ['tib', 2 ** 40],
]);

const SIZE = /^(\d+(?:\.\d*)?|\.\d+)\s*([a-z]*)$/i;

/**
 * Parses a byte size: a whole number of bytes, or a string such as "1048576", "64MiB", "512KB",
 * "1.5GiB". Units are case-insensitive; KB/MB/GB/TB (and K/M/G/T) are powers of 1000,
 * KiB/MiB/GiB/TiB (and Ki/Mi/Gi/Ti) powers of 1024. Fractions are rounded to the nearest byte.
 * Throws an Error saying what is wrong on anything else.
 */
export function parseSize(s: string | number): number {
  if (typeof s === 'number') {
    if (!Number.isSafeInteger(s) || s < 0) throw new Error(`invalid size ${s}: must be a whole number of bytes >= 0`);
    return s;
  }
  if (typeof s !== 'string') throw new Error(`invalid size ${String(s)}: not a number or string`);
  const m = SIZE.exec(s.trim());
  if (m === null) throw new Error(`invalid size ${JSON.stringify(s)}: expected a number and an optional unit, as in "64MiB"`);
  const [, num = '', unit = ''] = m;
  const mult = BYTES_PER_UNIT.get(unit.toLowerCase());
  if (mult === undefined) {
    throw new Error(`invalid size ${JSON.stringify(s)}: unknown unit ${JSON.stringify(unit)} (use B, KB, MB, GB, TB, KiB, MiB, GiB or TiB)`);
  }
  const bytes = Math.round(Number(num) * mult);
  if (!Number.isSafeInteger(bytes)) throw new Error(`invalid size ${JSON.stringify(s)}: too large`);
  return bytes;
}
