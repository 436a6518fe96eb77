// Bodies whose shape, not size, used to cost: long runs between records, huge names, many
// tiny fields. Each must be split correctly however it is cut, and cost time linear in its
// size: work at 4N is compared with work at N (a ratio, generous for a shared machine;
// quadratic work gives 16).
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { MAX_ITEMS_PER_BUNDLE } from '../../src/records/payload-splitter';
import { TextWindow } from '../../src/records/text-window';
import { MAX_NAME_BYTES, UrlencodedFormDecoder } from '../../src/records/urlencoded-form';
import { MAX_DEPTH, MAX_ELEMENTS_PER_RECORD } from '../../src/records/xml-record-reader';
import { bytesIn, convert, convertError, convertOk } from '../support/convert';

const R = (id: string) => `<JobUsageRecord><RecordIdentity recordId="${id}"/><LocalJobId>${id}</LocalJobId></JobUsageRecord>`;
const fill = (unit: string, n: number) => unit.repeat(Math.ceil(n / unit.length));
const env = (between: string, before = '') => `${before}<RecordEnvelope>${R('a')}${between}${R('b')}</RecordEnvelope>`;

/** Payloads of about `n` characters, each holding two records (or failing as a whole). */
const SHAPES: Record<string, (n: number) => string> = {
  'whitespace before the envelope': (n) => env('', fill(' \n', n)),
  'whitespace between records': (n) => env(fill(' \r\n\t', n)),
  'text between records': (n) => env(fill('text ', n)),
  'one comment between records': (n) => env(`<!--${fill('-x', n)}-->`),
  'many comments between records': (n) => env(fill('<!-- c -->', n)),
  'a processing instruction between records': (n) => env(`<?pi ${fill('x', n)}?>`),
  'CDATA between records': (n) => env(`<![CDATA[${fill('<x>', n)}]]>`),
  'a payload that never holds a record': (n) => `<RecordEnvelope>${fill(' ', n)}`,
  'a huge text node in a record': (n) => env(`<R><a>${fill('x y ', n)}</a></R>`),
  'whitespace before a replication bundle': (n) => `${fill(' ', n)}replication|${R('a')}|||replication|${R('b')}||`,
  'a long quoted token in a replication bundle': (n) => `replication|${R('a')}|"${fill('x|', n)}"||replication|${R('b')}||`,
  'a backslash run in a replication bundle': (n) => `replication|${R('a')}|${fill('\\\\', n)}||replication|${R('b')}||`,
};

/** The outcome of a conversion, as comparable text. */
function outcome(chunks: readonly (Buffer | string)[]): string {
  const r = convert(chunks);
  return r.ok ? r.bodies.join('\n') : `error: ${r.error.message.replace(/\d+:\d+: /, '')}`;
}

/** Cuts `text` at `cuts` random places (a fixed seed). */
function randomChunks(text: string, cuts: number, seed: number): Buffer[] {
  const bytes = Buffer.from(text);
  let x = seed;
  const at = new Set<number>();
  while (at.size < Math.min(cuts, bytes.length - 1)) {
    x = (x * 1103515245 + 12345) & 0x7fffffff;
    at.add(1 + (x % (bytes.length - 1)));
  }
  const points = [0, ...[...at].sort((a, b) => a - b), bytes.length];
  return points.slice(1).map((end, k) => bytes.subarray(points[k]!, end));
}

/**
 * The least of three timings of `run`, in ms of this process's CPU time: on a shared machine
 * wall time also counts the time other processes held the core.
 */
function ms(run: () => void): number {
  let best = Infinity;
  for (let k = 0; k < 3; k++) {
    const t = process.cpuUsage();
    run();
    const used = process.cpuUsage(t);
    best = Math.min(best, (used.user + used.system) / 1000);
  }
  return best;
}

/**
 * Asserts the work of `run(4N)` is at most 10 times that of `run(N)`: 4 if linear, 16 if
 * quadratic. Both sizes run once first, so that neither timing pays for the JIT or for growing
 * the heap; garbage collection of larger strings still adds some.
 */
function assertLinear(name: string, run: (n: number) => void, n: number): void {
  run(n); // warm-up
  run(4 * n);
  const small = ms(() => run(n));
  const large = ms(() => run(4 * n));
  // a floor for the small run: timer noise on a run of a few ms says nothing
  const ratio = large / Math.max(small, 20);
  assert.ok(ratio <= 10, `${name}: ${large.toFixed(0)} ms at 4N against ${small.toFixed(0)} ms at N (×${ratio.toFixed(1)})`);
}

describe('hostile shapes: split correctly however cut', () => {
  for (const [name, shape] of Object.entries(SHAPES)) {
    test(name, () => {
      const text = shape(20_000);
      const whole = outcome([text]);
      const records = name.includes('never') ? 0 : name.includes('in a record') ? 3 : 2;
      assert.equal(whole.startsWith('error') ? 0 : whole.split('\n').length, records, whole.slice(0, 200));
      for (const size of [1, 7, 4096]) assert.equal(outcome(bytesIn(text, size)), whole, `chunks of ${size}`);
      for (let seed = 1; seed <= 5; seed++) assert.equal(outcome(randomChunks(text, 40, seed)), whole, `random cuts, seed ${seed}`);
    });
  }

  test('a record start tag cut inside its name after a long run is sliced out whole', () => {
    const text = env(fill(' ', 100_000));
    const at = text.lastIndexOf('<JobUsage') + 5;
    const cuts = [text.slice(0, 70_000), text.slice(70_000, at), text.slice(at, at + 1), text.slice(at + 1)];
    assert.deepEqual(convertOk(cuts), convertOk([text]));
    // and cut right after its `<`, and after a comment holding a `<`
    const lt = text.lastIndexOf('<JobUsage') + 1;
    assert.deepEqual(convertOk([text.slice(0, lt), text.slice(lt)]), convertOk([text]));
    const commented = env(`<!-- <JobUsageRecord -->${fill(' ', 1000)}`);
    const c = commented.indexOf('<JobUsageRecord -->') + 4;
    assert.deepEqual(convertOk([commented.slice(0, c), commented.slice(c)]), convertOk([commented]));
  });
});

describe('hostile shapes: time linear in size', () => {
  const N = 2_000_000;
  for (const [name, shape] of Object.entries(SHAPES)) {
    test(name, () => {
      const texts = new Map<number, Buffer[]>();
      for (const n of [N, 4 * N]) texts.set(n, bytesIn(shape(n), 64 * 1024));
      assertLinear(name, (n) => void outcome(texts.get(n)!), N);
    });
  }

  const forms: Record<string, (n: number) => Buffer> = {
    'a huge field name': (n) => Buffer.from(fill('x', n)),
    'a huge percent-escaped field name': (n) => Buffer.from(fill('%41', n)),
    'many empty fields': (n) => Buffer.from(fill('a&', n)),
    'many empty values': (n) => Buffer.from(fill('a=&', n)),
    'many differently named fields': (n) => Buffer.from(Array.from({ length: n / 8 }, (_, k) => `f${k}&`).join('')),
    'a value of escapes': (n) => Buffer.from(`arg1=${fill('%20', n)}`),
  };
  for (const [name, shape] of Object.entries(forms)) {
    test(`form: ${name}`, () => {
      const bodies = new Map<number, Buffer[]>();
      for (const n of [N, 4 * N]) bodies.set(n, bytesIn(shape(n).toString('latin1'), 64 * 1024));
      assertLinear(name, (n) => {
        let pieces = 0;
        const decoder = new UrlencodedFormDecoder(() => pieces++);
        for (const chunk of bodies.get(n)!) decoder.write(chunk);
        decoder.end();
        assert.ok(pieces > 0);
      }, N);
    });
  }
});

describe('hostile shapes: bounded', () => {
  test('a form name cut anywhere, escapes cut at chunk edges too, is decoded (its first MAX_NAME_BYTES)', () => {
    const body = `${fill('n%41m+e', 300_000)}=v%2&arg1=%3CR%2F%3E&x`;
    const read = (chunks: readonly Buffer[]) => {
      const fields: [string, string][] = [];
      const decoder = new UrlencodedFormDecoder((p) => {
        if (p.bytes.length === 0) fields.push([p.name, '']);
        else fields[fields.length - 1]![1] += p.bytes.toString('latin1');
      });
      for (const c of chunks) decoder.write(c);
      decoder.end();
      return fields;
    };
    const whole = read([Buffer.from(body)]);
    // the long name is cut to its first MAX_NAME_BYTES bytes
    assert.deepEqual(whole, [[fill('nAm e', MAX_NAME_BYTES).slice(0, MAX_NAME_BYTES), 'v%2'], ['arg1', '<R/>'], ['x', '']]);
    for (const size of [1, 2, 3, 1000]) assert.deepEqual(read(bytesIn(body, size)), whole, `chunks of ${size}`);
    for (let seed = 1; seed <= 5; seed++) assert.deepEqual(read(randomChunks(body, 200, seed)), whole, `seed ${seed}`);
  });

  test(`nesting deeper than ${MAX_DEPTH} is refused`, () => {
    assert.equal(convertOk([env(`<R>${'<a>'.repeat(MAX_DEPTH - 2)}${'</a>'.repeat(MAX_DEPTH - 2)}</R>`)]).length, 3);
    assert.match(convertError([env(`<R>${'<a>'.repeat(100_000)}`)]), new RegExp(`nested more than ${MAX_DEPTH} deep`));
  });

  test(`a record of more than ${MAX_ELEMENTS_PER_RECORD} elements is refused`, () => {
    assert.equal(convertOk([env(`<R>${'<a>1</a>'.repeat(MAX_ELEMENTS_PER_RECORD - 1)}</R>`)]).length, 3);
    assert.match(convertError([env(`<R>${'<a>1</a>'.repeat(MAX_ELEMENTS_PER_RECORD)}</R>`)]), /more than 10000 elements/);
  });

  test(`a bundle of more than ${MAX_ITEMS_PER_BUNDLE} records is refused`, () => {
    assert.equal(convertOk([`<RecordEnvelope>${'<R/>'.repeat(MAX_ITEMS_PER_BUNDLE)}</RecordEnvelope>`]).length, MAX_ITEMS_PER_BUNDLE);
    assert.match(convertError([`<RecordEnvelope>${'<R/>'.repeat(MAX_ITEMS_PER_BUNDLE + 1)}</RecordEnvelope>`]), /at most 100000 records/);
    assert.match(convertError(['replication|<R/>|||'.repeat(MAX_ITEMS_PER_BUNDLE + 1)]), /at most 100000 records/);
  });

  test('the text window holds only what was not dropped, and slices across chunks', () => {
    const w = new TextWindow();
    for (const c of ['abc', 'def', 'ghi']) w.append(c);
    assert.equal(w.slice(1, 8), 'bcdefgh');
    assert.equal(w.lastIndexOf('d', 4), 3);
    assert.equal(w.lastIndexOf('d', 3), -1);
    w.dropBefore(4);
    assert.equal(w.start, 4);
    assert.equal(w.slice(4, 9), 'efghi');
    assert.equal(w.lastIndexOf('e', 9), 4);
    assert.equal(w.lastIndexOf('c', 9), -1);
    w.dropBefore(100);
    assert.equal(w.start, 9);
    assert.equal(w.end, 9);
  });
});
