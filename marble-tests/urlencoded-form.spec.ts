import assert from 'node:assert/strict';
import { test } from 'node:test';
import { from, map, toArray } from 'rxjs';
import { urlencodedForm } from '../src/operators/urlencoded-form';
import { cutShort, marbles } from './marbles';

const asText = map((p: { name: string; bytes: Buffer }) => `${p.name}=${p.bytes.toString()}`);

test('urlencodedForm: values come out in decoded pieces as chunks arrive', () => {
  marbles().run(({ cold, expectObservable }) => {
    const source = cold('-a-----b------|', { a: Buffer.from('command=up'), b: Buffer.from('date&arg1=%3CR%2F%3E') });
    expectObservable(source.pipe(urlencodedForm(), asText)).toBe('-(cu)--(dAx)--|', {
      c: 'command=', u: 'command=up', d: 'command=date', A: 'arg1=', x: 'arg1=<R/>',
    });
  });
});

test('urlencodedForm: an escape cut by a chunk boundary, and + as space', () => {
  marbles().run(({ cold, expectObservable }) => {
    const source = cold('-a---b-|', { a: Buffer.from('f=a+b%'), b: Buffer.from('3Dc') });
    expectObservable(source.pipe(urlencodedForm(), asText)).toBe('-(ex)y-|', { e: 'f=', x: 'f=a b', y: 'f==c' });
  });
});

test('urlencodedForm: errors pass through; unsubscription releases the source', () => {
  marbles().run(({ cold, expectObservable, expectSubscriptions }) => {
    expectObservable(cold<Buffer>('-#').pipe(urlencodedForm())).toBe('-#');
    const source = cold('-a-b-|', { a: Buffer.from('x=1'), b: Buffer.from('&y=2') });
    expectObservable(source.pipe(urlencodedForm(), asText), '^-!').toBe('-(ab)', { a: 'x=', b: 'x=1' });
    expectSubscriptions(source.subscriptions).toBe('^-!');
  });
});

test('urlencodedForm: any chunking decodes to the same fields, UTF-8 included', () => {
  const body = 'command=multiupdate&from=probe%3Ahost&arg1=' + encodeURIComponent('<R a="Å ✓">x&amp;y</R>').replace(/%20/g, '+') + '&empty=&flag';
  const join = (pieces: { name: string; bytes: Buffer }[]) => {
    const fields = new Map<string, Buffer[]>();
    for (const p of pieces) fields.set(p.name, [...(fields.get(p.name) ?? []), p.bytes]);
    return Object.fromEntries([...fields].map(([k, v]) => [k, Buffer.concat(v).toString()]));
  };
  const expected = { command: 'multiupdate', from: 'probe:host', arg1: '<R a="Å ✓">x&amp;y</R>', empty: '', flag: '' };
  for (const size of [1, 2, 3, 5, 1000]) {
    const chunks: Buffer[] = [];
    for (let i = 0; i < body.length; i += size) chunks.push(Buffer.from(body.slice(i, i + size)));
    from(chunks).pipe(urlencodedForm(), toArray()).subscribe((pieces) => assert.deepEqual(join(pieces), expected, `chunks of ${size}`));
  }
});

test('urlencodedForm: a synchronous source cut short by take is read no further', () => {
  const chunks = ['a=1', '&b=2', '&c=3', '&d=4'].map((s) => Buffer.from(s));
  // each of the first two chunks gives a field's empty first piece and its value
  const { out, read } = cutShort(chunks, urlencodedForm(), 2);
  assert.deepEqual([out.map((p) => `${p.name}=${p.bytes.toString()}`), read], [['a=', 'a=1'], 1]);
});

test('urlencodedForm: a field given again is left out, its value too, however the chunks fall', () => {
  marbles().run(({ cold, expectObservable }) => {
    const source = cold('-a-------b----|', { a: Buffer.from('command=up&arg1=<A/>&com'), b: Buffer.from('mand=x&arg1=<B/>&from=me') });
    expectObservable(source.pipe(urlencodedForm(), asText)).toBe('-(cuAx)--(fm)-|', {
      c: 'command=', u: 'command=up', A: 'arg1=', x: 'arg1=<A/>', f: 'from=', m: 'from=me',
    });
  });
});
