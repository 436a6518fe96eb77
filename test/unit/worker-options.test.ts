import assert from 'node:assert/strict';
import { test } from 'node:test';
import { workerExecArgv } from '../../src/main/cluster-primary';

const GC = ['--single-threaded-gc', '--min-semi-space-size=16', '--max-semi-space-size=16', '--initial-old-space-size=64'];

test('workers get the garbage-collector settings, after the primary\'s own node options', () => {
  assert.deepEqual(workerExecArgv([]), GC);
  assert.deepEqual(workerExecArgv(['--max-old-space-size=400']), ['--max-old-space-size=400', ...GC]);
});

test('a setting the operator chose is kept as it is, the others added', () => {
  for (const given of ['--no-single-threaded-gc', '--single-threaded-gc', '--single_threaded_gc']) {
    assert.deepEqual(workerExecArgv(['--inspect', given]), ['--inspect', given, ...GC.slice(1)]);
  }
  // either semi-space bound is a choice of the young generation's size: neither is added then
  for (const given of ['--max-semi-space-size=8', '--min_semi_space_size=4']) {
    assert.deepEqual(workerExecArgv([given]), [given, '--single-threaded-gc', '--initial-old-space-size=64']);
  }
  assert.deepEqual(workerExecArgv(['--initial_old_space_size=96']), ['--initial_old_space_size=96', ...GC.slice(0, 3)]);
});
