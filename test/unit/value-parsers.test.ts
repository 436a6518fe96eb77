// Property tests of the hand-written value readers of the mapping (durations, instants, the
// trim that skips the call) against straightforward references written from the rules in
// DESIGN.md with regular expressions and Date, on generated inputs, valid and not.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import fc from 'fast-check';
import { durationSeconds } from '../../src/records/duration';
import { normaliseInstant } from '../../src/records/instant';
import { LabelCache } from '../../src/records/label-cache';
import { trimmed } from '../../src/records/trimmed';

const RUNS = Number(process.env['FUZZ_RUNS'] ?? 3000);

// ---- references ------------------------------------------------------------------------

const NUMBER = '(\\d+\\.?\\d*|\\.\\d+)';
const DURATION = new RegExp(`^([-+]?)P(?:${NUMBER}Y)?(?:${NUMBER}M)?(?:${NUMBER}W)?(?:${NUMBER}D)?(T(?:${NUMBER}H)?(?:${NUMBER}M)?(?:${NUMBER}S)?)?$`);
const DAY = 86400;
const UNIT_SECONDS = [365 * DAY, 30 * DAY, 7 * DAY, DAY, undefined, 3600, 60, 1];

function referenceDuration(text: string): number {
  const m = DURATION.exec(text.trim());
  if (m === null) return 0;
  const parts = m.slice(2);
  const time = parts[4];
  if (parts.every((p, k) => k === 4 || p === undefined)) return 0; // no component at all
  if (time !== undefined && parts.slice(5).every((p) => p === undefined)) return 0; // a T with no time component
  let seconds = 0;
  parts.forEach((p, k) => {
    if (k !== 4 && p !== undefined) seconds += Number(p) * UNIT_SECONDS[k]!;
  });
  if (!Number.isFinite(seconds)) return 0;
  return m[1] === '-' ? -seconds : seconds;
}

const INSTANT = /^(\d{4})-(\d{2})-(\d{2})[Tt](\d{2}):(\d{2}):(\d{2})(?:\.\d+)?(?:[Zz]|([+-])(\d{2}):(\d{2}))$/;

function referenceInstant(text: string): string | undefined {
  const m = INSTANT.exec(text.trim());
  if (m === null) return undefined;
  const [year, month, day, hour, minute, second] = m.slice(1, 7).map(Number) as [number, number, number, number, number, number];
  const date = new Date(0);
  date.setUTCFullYear(year, month - 1, day);
  if (month < 1 || month > 12 || date.getUTCMonth() !== month - 1 || date.getUTCDate() !== day) return undefined;
  if (hour > 23 || minute > 59 || second > 59) return undefined;
  let offset = 'Z';
  if (m[7] !== undefined) {
    if (Number(m[8]) > 23 || Number(m[9]) > 59) return undefined;
    if (m[8] !== '00' || m[9] !== '00') offset = `${m[7]}${m[8]}:${m[9]}`;
  }
  return `${m[1]}-${m[2]}-${m[3]}T${m[4]}:${m[5]}:${m[6]}${offset}`;
}

// ---- inputs ----------------------------------------------------------------------------

/** White space of every kind String.prototype.trim removes, and none. */
const padding = fc.constantFrom('', '', '', ' ', '\t', '\n', '\r\n', '\u00a0', '\u2028', '\ufeff', '\u3000');
const pad = (body: fc.Arbitrary<string>): fc.Arbitrary<string> => fc.tuple(padding, body, padding).map(([a, b, c]) => a + b + c);

/** Numbers as probes write them, and past 15 digits (where the reader falls back to Number). */
const durationNumber = fc.oneof(
  fc.nat({ max: 200_000 }).map(String),
  fc.tuple(fc.nat({ max: 99_999 }), fc.stringMatching(/^\d{1,12}$/)).map(([w, f]) => `${w}.${f}`),
  fc.stringMatching(/^\d{14,24}(\.\d{0,6})?$/),
  fc.constantFrom('0', '0.0', '.5', '5.', '007', '1.50', '0.1', '0.3', '9007199254740993', '1e3', ''),
);
const component = (units: string): fc.Arbitrary<string> =>
  fc.subarray([...units]).chain((us) => fc.tuple(...us.map((u) => durationNumber.map((n) => n + u)))).map((cs) => cs.join(''));
const wellFormedDuration = fc.tuple(fc.constantFrom('', '', '-', '+'), component('YMWD'), fc.option(component('HMS')))
  .map(([sign, date, time]) => `${sign}P${date}${time === null ? '' : `T${time}`}`);
/** Soups of the characters a duration is made of: mostly invalid. */
const durationSoup = fc.array(fc.constantFrom('P', 'T', 'Y', 'M', 'W', 'D', 'H', 'S', '-', '+', '.', '0', '1', '9', '12', '0.5', ' ', 'x', '\u00a0'), { maxLength: 12 }).map((xs) => xs.join(''));
/** A well-formed duration with one character changed, dropped or repeated. */
const mutated = (valid: fc.Arbitrary<string>): fc.Arbitrary<string> =>
  fc.tuple(valid, fc.nat(), fc.constantFrom('drop', 'repeat', 'replace'), fc.constantFrom('P', 'T', 'M', 'S', 'Z', '.', ':', '-', '+', '0', '9', ' ', 'x'))
    .map(([s, at, how, c]) => {
      if (s.length === 0) return c;
      const i = at % s.length;
      return how === 'drop' ? s.slice(0, i) + s.slice(i + 1) : how === 'repeat' ? s.slice(0, i + 1) + s.slice(i) : s.slice(0, i) + c + s.slice(i + 1);
    });
const durations = fc.oneof(pad(wellFormedDuration), pad(mutated(wellFormedDuration)), pad(durationSoup), fc.string());

/** Two digits, mostly within [min, max], sometimes in 00–99. */
const two = (min: number, max: number): fc.Arbitrary<string> =>
  fc.oneof({ arbitrary: fc.integer({ min, max }), weight: 5 }, fc.integer({ min: 0, max: 99 })).map((n) => String(n).padStart(2, '0'));
const wellFormedInstant = fc.tuple(
  fc.oneof(fc.integer({ min: 0, max: 9999 }), fc.constantFrom(1900, 2000, 2023, 2024, 2100, 2400)).map((y) => String(y).padStart(4, '0')),
  two(1, 12), fc.oneof(two(1, 28), two(29, 31)), fc.constantFrom('T', 'T', 'T', 't', ' '), two(0, 23), two(0, 59), two(0, 59),
  fc.constantFrom('', '', '', '.', '.5', '.19', '.999999999', '.x'),
  fc.oneof(fc.constantFrom('Z', 'Z', 'z', '+00:00', '-00:00', '+0530', '', 'UTC'), fc.tuple(fc.constantFrom('+', '-'), two(0, 23), two(0, 59)).map(([s, h, m]) => `${s}${h}:${m}`)),
).map(([y, mo, d, t, h, mi, s, f, o]) => `${y}-${mo}-${d}${t}${h}:${mi}:${s}${f}${o}`);
const instants = fc.oneof({ arbitrary: pad(wellFormedInstant), weight: 2 }, pad(mutated(wellFormedInstant)), fc.string());

// ---- properties ------------------------------------------------------------------------

describe('value readers match their references', () => {
  test('durationSeconds', () => {
    fc.assert(fc.property(durations, (text) => {
      const got = durationSeconds(text), want = referenceDuration(text);
      assert.ok(Object.is(got, want), `${JSON.stringify(text)}: ${got} ≠ ${want}`);
    }), { numRuns: RUNS });
  });

  test('the duration inputs reach both outcomes', () => {
    // Guards the generators: a property over inputs that are all invalid would prove little.
    const sample = fc.sample(durations, 2000);
    assert.ok(sample.filter((s) => referenceDuration(s) !== 0).length > 400);
    assert.ok(sample.filter((s) => referenceDuration(s) === 0).length > 400);
    assert.ok(sample.some((s) => /\d{16}/.test(s) && referenceDuration(s) !== 0));
  });

  test('normaliseInstant', () => {
    fc.assert(fc.property(instants, (text) => {
      assert.equal(normaliseInstant(text), referenceInstant(text), JSON.stringify(text));
    }), { numRuns: RUNS });
  });

  test('the instant inputs reach both outcomes', () => {
    const sample = fc.sample(instants, 2000);
    assert.ok(sample.filter((s) => referenceInstant(s) !== undefined).length > 100);
    assert.ok(sample.filter((s) => referenceInstant(s) === undefined).length > 400);
  });

  test('trimmed', () => {
    fc.assert(fc.property(fc.oneof(pad(fc.string()), fc.string({ unit: 'binary' }), pad(fc.string({ unit: 'grapheme' }))), (s) => {
      assert.equal(trimmed(s), s.trim());
    }), { numRuns: RUNS });
  });
});

describe('LabelCache', () => {
  test('gives what its function makes, keeps at most its limit, and no long label', () => {
    const made: string[] = [];
    const cache = new LabelCache((label) => {
      made.push(label);
      return { key: `K_${label}` };
    }, 8);
    fc.assert(fc.property(fc.array(fc.oneof(fc.constantFrom('a', 'b', 'Status', ''), fc.string(), fc.string({ minLength: 129, maxLength: 200 }))), (labels) => {
      for (const label of labels) {
        assert.deepEqual(cache.get(label), { key: `K_${label}` });
        assert.ok(cache.size <= 8);
      }
    }), { numRuns: 300 });
    const long = 'x'.repeat(129);
    const before = made.filter((l) => l === long).length;
    cache.get(long);
    cache.get(long);
    assert.equal(made.filter((l) => l === long).length, before + 2, 'a label over 128 characters is made each time');
    cache.get('again');
    const once = made.length;
    cache.get(`${'aga'}${'in'}`);
    assert.equal(made.length, once, 'a label seen before is not made again');
  });

  test('after: the entry of the label read, whatever came before, and no long label linked', () => {
    const cache = new LabelCache((label) => `K_${label}`, 6);
    const label = fc.oneof(fc.constantFrom('Resource', 'Resource', 'Status', 'Host', ''), fc.string({ maxLength: 3 }), fc.string({ minLength: 129, maxLength: 140 }));
    fc.assert(fc.property(fc.array(fc.array(label, { maxLength: 12 }), { maxLength: 6 }), (records) => {
      for (const labels of records) {
        let at = cache.start;
        for (const l of labels) {
          const guess = at.next;
          const entry = cache.after(at, l);
          assert.equal(entry.label, l);
          assert.equal(entry.value, `K_${l}`);
          assert.equal(entry.kept, l.length <= 128);
          if (guess !== undefined && guess.label === l) assert.equal(entry, guess, 'the guess, when right');
          else if (at.label === l) assert.equal(entry, at, 'a label again: its entry itself');
          else if (entry.kept) assert.equal(at.next, entry, 'linked from the one before');
          else assert.equal(at.next, guess, 'a long label linked from none');
          at = entry;
          assert.ok(cache.size <= 6);
        }
      }
    }), { numRuns: 500 });
  });
});
