// The [[transforms]] tables of the configuration: what loads, and every bad case stopping
// start-up with a message that names its key.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, describe, it } from 'node:test';
import { from, lastValueFrom, toArray } from 'rxjs';
import { ConfigError, describeConfig, loadConfig } from '../../src/main/config';
import { recordToJson } from '../../src/records/serialize-json';
import { buildTransformChain, type TransformSpec } from '../../src/transforms/chain';
import { record } from '../../marble-tests/transforms/support';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'gracc-transforms-config-'));
after(() => fs.rmSync(dir, { recursive: true, force: true }));
fs.writeFileSync(path.join(dir, 'sites.csv'), 'condor:ce1.example.org,Site One\n');
fs.writeFileSync(path.join(dir, 'no-comma.csv'), '# comment\ncondor:ce1.example.org Site One\n');
fs.writeFileSync(path.join(dir, 'twice.csv'), 'a,1\n\nb,2\na,3\n');

let count = 0;
function load(toml: string) {
  const file = path.join(dir, `config-${++count}.toml`);
  fs.writeFileSync(file, `${toml}\n[amqp]\nenable = false\n`);
  return { file, config: () => loadConfig({ file, env: {} }) };
}

/** The problems of a configuration that must not load, without the file's label. */
function problems(toml: string): string[] {
  const { file, config } = load(toml);
  try {
    config();
  } catch (e) {
    assert.ok(e instanceof ConfigError, String(e));
    for (const p of e.problems) assert.ok(p.startsWith(`config file ${file}: `), p);
    return e.problems.map((p) => p.slice(`config file ${file}: `.length));
  }
  assert.fail('the configuration loaded');
}

const filter = (conditions: string, more = '') => `[[transforms]]\ntype = "filter"\naction = "drop"\n${more}conditions = [${conditions}]\n`;

describe('[[transforms]]: what loads', () => {
  it('none: an empty list', () => {
    assert.deepEqual(load('').config().transforms, []);
    assert.deepEqual(loadConfig({ env: {} }).transforms, [], 'without a file');
  });

  it('each table in order, named <type>#<index> or by its name; keys and type names in any case', () => {
    const specs = load(
      filter('{ field = "VOName", equals = "test" }') +
      '[[transforms]]\nTYPE = "Rename"\nName = "vo"\n[transforms.Fields]\nVOName = "VO"\n' +
      '[[transforms]]\ntype = "set"\n[transforms.fields]\nSite = { Lookup = "sites.csv", KEY = "{ProbeName}" }\n',
    ).config().transforms;
    assert.deepEqual(specs.map((s) => [s.type, s.name, s.path]), [['filter', 'filter#0', 'transforms[0]'], ['rename', 'vo', 'transforms[1]'], ['set', 'set#2', 'transforms[2]']]);
  });

  it('[[TRANSFORMS]] in another case', () => {
    assert.deepEqual(load('[[TRANSFORMS]]\ntype = "lowercase"\nfields = ["VOName"]\n').config().transforms.map((s) => s.name), ['lowercase#0']);
  });

  it('relative mapping files are found beside the config file, wherever the collector runs', () => {
    const { config } = load('[[transforms]]\ntype = "set"\n[transforms.fields]\nSite = { lookup = "sites.csv", key = "{ProbeName}" }\n');
    const cwd = process.cwd();
    process.chdir(os.tmpdir());
    try {
      assert.equal(config().transforms.length, 1);
    } finally {
      process.chdir(cwd);
    }
  });

  it('what was read is plain data: through JSON (as a cluster worker gets it) the chain does the same', async () => {
    const specs = load(
      filter('{ field = "VOName", matches = "^TE", ignoreCase = true }, { field = "A", present = true }', 'match = "any"\n') +
      '[[transforms]]\ntype = "set"\nremove = ["B"]\n[transforms.fields]\nSite = { lookup = "sites.csv", key = "{ProbeName}", default = "none" }\nP = "p:{ProbeName}"\n' +
      '[[transforms]]\ntype = "rename"\n[transforms.fields]\nVOName = "VO"\n[[transforms]]\ntype = "lowercase"\nfields = ["VO"]\n',
    ).config().transforms;
    const records = [
      record(0, { VOName: 'CMS', ProbeName: 'condor:ce1.example.org', B: 'b' }),
      record(1, { VOName: 'Test', ProbeName: 'condor:ce1.example.org' }),
      record(2, { VOName: 'OSG', ProbeName: 'elsewhere' }),
    ];
    const run = async (s: readonly TransformSpec[]) => (await lastValueFrom(from(records).pipe(buildTransformChain(s)!, toArray()))).map(recordToJson);
    const direct = await run(specs);
    assert.equal(direct.length, 2);
    assert.match(direct[0]!, /"VO":"cms","ProbeName":"condor:ce1.example.org","Site":"Site One","P":"p:condor:ce1.example.org"/);
    assert.deepEqual(await run(JSON.parse(JSON.stringify(specs)) as TransformSpec[]), direct);
  });

  it('the log shows each table as written, with its name', () => {
    const config = load(filter('{ field = "VOName", equals = "test" }', 'name = "no-test"\n')).config();
    assert.deepEqual(JSON.parse(JSON.stringify(describeConfig(config).transforms)), [{ name: 'no-test', type: 'filter', action: 'drop', conditions: [{ field: 'VOName', equals: 'test' }] }]);
  });
});

describe('[[transforms]]: a bad configuration names the key', () => {
  const cases: [string, string, RegExp][] = [
    ['an unknown type', '[[transforms]]\ntype = "fliter"\n', /^transforms\[0\]\.type: unknown transform type "fliter" \(the types: filter, set, rename, lowercase\)$/],
    ['no type', '[[transforms]]\nname = "x"\n', /^transforms\[0\]\.type: missing: must be a string$/],
    ['an unknown key', filter('{ field = "VOName", equals = "test" }', 'actoin = "keep"\n'), /^transforms\[0\]\.actoin: unknown key \(did you mean action\?\)$/],
    ['an unknown condition operator', filter('{ field = "VOName", contains = "test" }'), /^transforms\[0\]\.conditions\[0\]\.contains: unknown condition operator$/],
    ['a misspelt condition operator', filter('{ field = "VOName", equals = "a" }, { field = "VOName", matchs = "^a" }'), /^transforms\[0\]\.conditions\[1\]\.matchs: unknown condition operator \(did you mean matches\?\)$/],
    ['a condition without an operator', filter('{ field = "VOName" }'), /^transforms\[0\]\.conditions\[0\]: needs one operator: equals, oneOf, matches, present$/],
    ['a condition with two operators', filter('{ field = "VOName", equals = "a", matches = "b" }'), /^transforms\[0\]\.conditions\[0\]: has equals and matches: one operator a condition/],
    ['a condition without a field', filter('{ equals = "a" }'), /^transforms\[0\]\.conditions\[0\]\.field: missing: must be a string$/],
    ['a bad regular expression', '[[transforms]]\ntype = "lowercase"\nfields = ["VOName"]\n' + filter('{ field = "ProbeName", matches = "condor:(ce" }'), /^transforms\[1\]\.conditions\[0\]\.matches: invalid regular expression "condor:\(ce": .*Unterminated group/],
    ['a bad action', '[[transforms]]\ntype = "filter"\naction = "remove"\nconditions = [{ field = "A", present = true }]\n', /^transforms\[0\]\.action: must be "keep" or "drop", got "remove"$/],
    ['no action', '[[transforms]]\ntype = "filter"\nconditions = [{ field = "A", present = true }]\n', /^transforms\[0\]\.action: missing: must be "keep" or "drop"$/],
    ['no conditions', '[[transforms]]\ntype = "filter"\naction = "keep"\n', /^transforms\[0\]\.conditions: missing: must be a list of tables$/],
    ['a bad value type', filter('{ field = "A", present = "yes" }'), /^transforms\[0\]\.conditions\[0\]\.present: must be true or false, got "yes"$/],
    ['a bad template', '[[transforms]]\ntype = "set"\n[transforms.fields]\nProbe = "{ProbeName"\n', /^transforms\[0\]\.fields\.Probe: bad template: unclosed "\{" at position 0/],
    ['a bad key template', '[[transforms]]\ntype = "set"\n[transforms.fields]\nSite = { lookup = "sites.csv", key = "ProbeName}" }\n', /^transforms\[0\]\.fields\.Site\.key: bad template: unmatched "\}"/],
    ['an unreadable mapping file', '[[transforms]]\ntype = "set"\n[transforms.fields]\nSite = { lookup = "missing.csv", key = "{ProbeName}" }\n', /^transforms\[0\]\.fields\.Site\.lookup: mapping file \/.*\/missing\.csv: cannot read it: ENOENT/],
    ['a mapping file line without a comma', '[[transforms]]\ntype = "set"\n[transforms.fields]\nSite = { lookup = "no-comma.csv", key = "{ProbeName}" }\n', /^transforms\[0\]\.fields\.Site\.lookup: mapping file .*no-comma\.csv: line 2: not key,value: "condor:ce1\.example\.org Site One"$/],
    ['a mapping file key given twice', '[[transforms]]\ntype = "set"\n[transforms.fields]\nSite = { lookup = "twice.csv", key = "{ProbeName}" }\n', /^transforms\[0\]\.fields\.Site\.lookup: mapping file .*twice\.csv: line 4: key "a" is already on line 1$/],
    ['a lookup without a key', '[[transforms]]\ntype = "set"\n[transforms.fields]\nSite = { lookup = "sites.csv" }\n', /^transforms\[0\]\.fields\.Site\.key: missing: must be a string$/],
    ['an unknown key in a field table', '[[transforms]]\ntype = "set"\n[transforms.fields]\nSite = { value = "x", dflt = "y" }\n', /^transforms\[0\]\.fields\.Site\.dflt: unknown key/],
    ['set of RawXML', '[[transforms]]\ntype = "set"\n[transforms.fields]\nRawXML = "x"\n', /^transforms\[0\]\.fields\.RawXML: the field RawXML cannot be changed by a transform$/],
    ['a field both set and removed', '[[transforms]]\ntype = "set"\nremove = ["A"]\n[transforms.fields]\nA = "x"\n', /^transforms\[0\]\.remove: A is both set \(fields\.A\) and removed$/],
    ['rename of type', '[[transforms]]\ntype = "rename"\n[transforms.fields]\ntype = "kind"\n', /^transforms\[0\]\.fields\.type: the field type cannot be changed by a transform$/],
    ['two renames to one name', '[[transforms]]\ntype = "rename"\n[transforms.fields]\nA = "C"\nB = "C"\n', /^transforms\[0\]\.fields\.B: A is renamed to C too$/],
    ['lowercase without fields', '[[transforms]]\ntype = "lowercase"\n', /^transforms\[0\]\.fields: missing: must be a list of strings$/],
    ['two transforms with one name', '[[transforms]]\ntype = "lowercase"\nname = "x"\nfields = ["A"]\n[[transforms]]\ntype = "lowercase"\nname = "x"\nfields = ["B"]\n', /^transforms\[1\]\.name: "x" is already the name of transforms\[0\]$/],
    ['transforms that is not an array of tables', 'transforms = "filter"\n', /^transforms: must be an array of tables \(\[\[transforms\]\]\), got "filter"$/],
  ];
  for (const [what, toml, expected] of cases) {
    it(what, () => {
      const found = problems(toml);
      assert.equal(found.length, 1, found.join('\n'));
      assert.match(found[0]!, expected);
    });
  }

  it('every problem at once', () => {
    assert.equal(problems(filter('{ field = "A", matches = "(" }', 'actoin = 1\n') + '[[transforms]]\ntype = "nope"\n').length, 3);
  });

  it('no environment variable sets them', () => {
    assert.throws(() => loadConfig({ env: { GRACC_TRANSFORMS: 'filter' } }), /unknown environment variable GRACC_TRANSFORMS/);
  });
});
