import assert from 'node:assert/strict';
import { test } from 'node:test';
import { workerExecArgv } from '../../src/io/serve-command';

test('workers get a single-threaded garbage collector, after the primary\'s own node options', () => {
  assert.deepEqual(workerExecArgv([]), ['--single-threaded-gc']);
  assert.deepEqual(workerExecArgv(['--max-old-space-size=400']), ['--max-old-space-size=400', '--single-threaded-gc']);
});

test('a choice of the operator\'s about the garbage collector\'s threads is kept as it is', () => {
  for (const given of ['--no-single-threaded-gc', '--single-threaded-gc', '--single_threaded_gc']) {
    assert.deepEqual(workerExecArgv(['--inspect', given]), ['--inspect', given]);
  }
});
