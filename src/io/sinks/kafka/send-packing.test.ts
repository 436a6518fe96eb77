import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { byTopic, type Packable, packSend } from './send-packing';

const bundle = (...sizes: number[]): Packable => ({ sizes, bytes: sizes.reduce((a, b) => a + b, 0), taken: 0, takenBytes: 0 });
/** Each part as [bundle's position in `all`, start, end]. */
const shape = (all: Packable[], parts: ReturnType<typeof packSend<Packable>>) => parts.map((p) => [all.indexOf(p.job), p.start, p.end]);

describe('packSend', () => {
  it('takes waiting bundles whole, in order, while they fit', () => {
    const all = [bundle(3, 3), bundle(2), bundle(4)];
    const queue = [...all];
    assert.deepEqual(shape(all, packSend(queue, 8)), [[0, 0, 2], [1, 0, 1]]);
    assert.deepEqual(queue, [all[2]]);
    assert.deepEqual(shape(all, packSend(queue, 8)), [[2, 0, 1]]);
    assert.deepEqual(queue, []);
  });

  it('leaves a bundle that fits a send of its own for the next one, not split', () => {
    const all = [bundle(5), bundle(4)];
    const queue = [...all];
    assert.deepEqual(shape(all, packSend(queue, 8)), [[0, 0, 1]]);
    assert.equal(all[1]!.taken, 0);
  });

  it('sends a bundle over the limit in consecutive pieces, keeping it at the head until all went', () => {
    const all = [bundle(3, 3, 3, 3, 3), bundle(1)];
    const queue = [...all];
    assert.deepEqual(shape(all, packSend(queue, 7)), [[0, 0, 2]]);
    assert.equal(queue[0], all[0]);
    assert.deepEqual([all[0]!.taken, all[0]!.takenBytes], [2, 6]);
    assert.deepEqual(shape(all, packSend(queue, 7)), [[0, 2, 4]]);
    // the last piece (3 bytes) leaves room for the next bundle in the same send
    assert.deepEqual(shape(all, packSend(queue, 7)), [[0, 4, 5], [1, 0, 1]]);
    assert.deepEqual(queue, []);
  });

  it('fills the rest of a send with the first pieces of a big bundle', () => {
    const all = [bundle(2), bundle(3, 3, 3)];
    const queue = [...all];
    assert.deepEqual(shape(all, packSend(queue, 7)), [[0, 0, 1], [1, 0, 1]]);
    assert.equal(all[1]!.taken, 1);
  });

  it('sends a single record larger than the limit alone', () => {
    const all = [bundle(10, 1), bundle(1)];
    const queue = [...all];
    assert.deepEqual(shape(all, packSend(queue, 4)), [[0, 0, 1]]);
    assert.deepEqual(shape(all, packSend(queue, 4)), [[0, 1, 2], [1, 0, 1]]);
  });

  it('takes nothing from an empty queue', () => {
    assert.deepEqual(packSend([], 10), []);
  });
});

describe('byTopic', () => {
  /** A bundle of messages named `<name><i>`, of 3 bytes each, each going to the topic given. */
  const routed = (name: string, ...topics: string[]) => ({ ...bundle(...topics.map(() => 3)), messages: topics.map((_, i) => `${name}${i}`), topics });

  it('groups a send\'s messages by topic, topics in order of first appearance, each in the order taken', () => {
    const all = [routed('a', 'A', 'B', 'A'), routed('b', 'C', 'B')];
    const parts = packSend([...all], 100);
    assert.deepEqual(byTopic(parts), [
      { topic: 'A', messages: ['a0', 'a2'] },
      { topic: 'B', messages: ['a1', 'b1'] },
      { topic: 'C', messages: ['b0'] },
    ]);
  });

  it('one topic: one group, the messages in order', () => {
    assert.deepEqual(byTopic(packSend([routed('a', 't', 't', 't')], 100)), [{ topic: 't', messages: ['a0', 'a1', 'a2'] }]);
    assert.deepEqual(byTopic([]), []);
  });

  it('keeps the per-send bound whatever the topics: a bundle over it goes in pieces, each grouped on its own', () => {
    const big = routed('a', 'A', 'B', 'A', 'B', 'A');
    const queue = [big, routed('b', 'B')];
    const sends: unknown[] = [];
    while (queue.length > 0) sends.push(byTopic(packSend(queue, 7)));
    assert.deepEqual(sends, [
      [{ topic: 'A', messages: ['a0'] }, { topic: 'B', messages: ['a1'] }],
      [{ topic: 'A', messages: ['a2'] }, { topic: 'B', messages: ['a3'] }],
      [{ topic: 'A', messages: ['a4'] }, { topic: 'B', messages: ['b0'] }],
    ]);
  });
});
