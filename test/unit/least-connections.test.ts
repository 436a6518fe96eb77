import assert from 'node:assert/strict';
import { test } from 'node:test';
import { LeastConnections } from '../../src/main/least-connections';

test('a burst of connections is split evenly, whatever the workers acknowledge', () => {
  const lc = new LeastConnections<string>();
  lc.add('a');
  lc.add('b');
  const picks = Array.from({ length: 8 }, () => lc.pick());
  assert.deepEqual([lc.openOn('a'), lc.openOn('b')], [4, 4]);
  assert.deepEqual(picks.filter((w) => w === 'a').length, 4);
});

test('a new connection goes to the worker with the fewest open; ties are taken in turn', () => {
  const lc = new LeastConnections<string>();
  for (const w of ['a', 'b', 'c']) lc.add(w);
  for (let i = 0; i < 6; i++) lc.pick(); // 2 each
  lc.closed('b');
  lc.closed('b');
  assert.equal(lc.pick(), 'b');
  assert.equal(lc.pick(), 'b');
  assert.deepEqual(['a', 'b', 'c'].map((w) => lc.openOn(w)), [2, 2, 2]);
  // short connections (each closed before the next comes) go round every worker
  const served = Array.from({ length: 6 }, () => {
    const w = lc.pick()!;
    lc.closed(w);
    return w;
  });
  assert.deepEqual([...served].sort(), ['a', 'a', 'b', 'b', 'c', 'c']);
});

test('a worker added later takes the new connections until it has its share; one removed takes none', () => {
  const lc = new LeastConnections<string>();
  lc.add('a');
  for (let i = 0; i < 4; i++) assert.equal(lc.pick(), 'a');
  lc.add('b');
  assert.deepEqual(Array.from({ length: 4 }, () => lc.pick()), ['b', 'b', 'b', 'b']);
  lc.remove('a');
  assert.equal(lc.openOn('a'), undefined);
  assert.equal(lc.pick(), 'b');
  lc.closed('a'); // a late close of a removed worker changes nothing
  lc.remove('b');
  assert.equal(lc.pick(), undefined);
  assert.equal(lc.size, 0);
});

test('a close never takes a count below zero', () => {
  const lc = new LeastConnections<number>();
  lc.add(1);
  lc.closed(1);
  assert.equal(lc.openOn(1), 0);
});
