// The command line in Go's flag syntax (the earlier collector's): every spelling a site's unit
// file may use, for serve and validate.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { CONFIG_FLAG, parseArgs } from '../../src/main/args';
import { parseServeArgs } from '../../src/main/serve-args';
import { UsageError } from '../../src/main/usage-error';

const SPECS = { config: CONFIG_FLAG, connect: { names: ['connect'], type: 'boolean' } } as const;

describe('parseArgs (Go flag syntax)', () => {
  for (const args of [['-c', 'F'], ['-c=F'], ['--c', 'F'], ['--c=F'], ['-config', 'F'], ['--config=F']]) {
    it(`${args.join(' ')} gives the config file`, () => {
      assert.deepEqual(parseArgs(args, SPECS, 'usage').flags, { config: 'F' });
    });
  }
  it('a value may start with a dash or be empty, as in Go', () => {
    assert.equal(parseArgs(['-c', '-odd-name'], SPECS, 'u').flags.config, '-odd-name');
    assert.equal(parseArgs(['-c='], SPECS, 'u').flags.config, '');
  });
  it('a boolean flag alone is true, takes a value only after =', () => {
    assert.deepEqual(parseArgs(['--connect'], SPECS, 'u'), { flags: { connect: true }, positional: [] });
    assert.deepEqual(parseArgs(['-connect=false'], SPECS, 'u').flags, { connect: false });
    assert.deepEqual(parseArgs(['-connect', 'x'], SPECS, 'u'), { flags: { connect: true }, positional: ['x'] });
    assert.throws(() => parseArgs(['-connect=maybe'], SPECS, 'u'), /takes true or false/);
  });
  it('the last of a flag given twice counts; -- ends the flags; - is an argument', () => {
    assert.equal(parseArgs(['-c', 'a', '-c', 'b'], SPECS, 'u').flags.config, 'b');
    assert.deepEqual(parseArgs(['-', '--', '-c'], SPECS, 'u').positional, ['-', '-c']);
  });
  it('refuses an unknown flag, a missing value and ---name, with the usage', () => {
    assert.throws(() => parseArgs(['-x'], SPECS, 'the usage'), (e: unknown) => e instanceof UsageError && /unknown flag -x\nthe usage/.test(e.message));
    assert.throws(() => parseArgs(['-c'], SPECS, 'u'), /-c needs a value/);
    assert.throws(() => parseArgs(['---c', 'F'], SPECS, 'u'), /unknown flag/);
  });
});

describe('parseServeArgs', () => {
  it("takes the earlier collector's unit file line: -c FILE -l FILE -pprof on", () => {
    assert.deepEqual(parseServeArgs(['-c', '/etc/gracc/gracc.toml', '-l', '/var/log/gracc.log', '-pprof', 'on']),
      { configFile: '/etc/gracc/gracc.toml', logTarget: '/var/log/gracc.log', pprof: 'on' });
  });
  it('and every other spelling of the same', () => {
    assert.deepEqual(parseServeArgs(['--c=x.toml', '--l', 'stderr', '-pprof=127.0.0.1:6060']), { configFile: 'x.toml', logTarget: 'stderr', pprof: '127.0.0.1:6060' });
    assert.deepEqual(parseServeArgs(['--config', 'x.toml', '--log=out.log', '--pprof', 'on']), { configFile: 'x.toml', logTarget: 'out.log', pprof: 'on' });
    assert.deepEqual(parseServeArgs([]), { configFile: undefined, logTarget: 'stdout', pprof: undefined });
  });
  it('refuses a stray argument', () => {
    assert.throws(() => parseServeArgs(['-c', 'x', 'extra']), /unexpected argument extra/);
  });
});
