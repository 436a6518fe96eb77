import assert from 'node:assert/strict';
import { test } from 'node:test';
import { workerEnv, workerExecArgv } from '../../src/main/cluster-primary';

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

const MALLOC = { MALLOC_MMAP_THRESHOLD_: '131072', MALLOC_TRIM_THRESHOLD_: '1048576' };

test('workers get the malloc settings the primary\'s environment leaves open', () => {
  assert.deepEqual(workerEnv({ PATH: '/usr/bin' }), MALLOC);
  assert.deepEqual(workerEnv({ MALLOC_MMAP_THRESHOLD_: '65536' }), { MALLOC_TRIM_THRESHOLD_: '1048576' });
  // set but empty is still the operator's choice
  assert.deepEqual(workerEnv({ MALLOC_TRIM_THRESHOLD_: '' }), { MALLOC_MMAP_THRESHOLD_: '131072' });
});

test('a malloc setting chosen through GLIBC_TUNABLES is left to it', () => {
  assert.deepEqual(workerEnv({ GLIBC_TUNABLES: 'glibc.malloc.mmap_threshold=262144' }), { MALLOC_TRIM_THRESHOLD_: '1048576' });
  assert.deepEqual(
    workerEnv({ GLIBC_TUNABLES: 'glibc.malloc.arena_max=2:glibc.malloc.trim_threshold=0' }),
    { MALLOC_MMAP_THRESHOLD_: '131072' },
  );
  // a tunable whose name only begins like one of them chooses nothing
  assert.deepEqual(workerEnv({ GLIBC_TUNABLES: 'glibc.malloc.mmap_threshold_x=1' }), MALLOC);
});
