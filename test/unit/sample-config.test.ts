// config/gracc-collector.toml is the annotated sample: it must show every key of the schema
// (the collector's and every registered sink's) with its default, and nothing else.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, it } from 'node:test';
import { parse } from 'smol-toml';
import { loadConfig, SCHEMA } from '../../src/main/config';
import { TRANSFORMS } from '../../src/transforms/registry';

const SAMPLE = path.resolve(__dirname, '..', '..', '..', 'config', 'gracc-collector.toml');
const text = fs.readFileSync(SAMPLE, 'utf8');
const table = parse(text) as Record<string, unknown>;

function valueAt(path: string): unknown {
  let node: unknown = table;
  for (const name of path.split('.')) node = (node as Record<string, unknown> | undefined)?.[name];
  return node;
}

describe('config/gracc-collector.toml', () => {
  for (const leaf of SCHEMA.leaves) {
    it(`shows ${leaf.path} with its default`, () => {
      const finish = (leaf.item.finish ?? ((v: unknown) => v)) as (v: unknown) => unknown;
      if (leaf.deprecated) {
        // accepted and ignored: shown commented out, under its own name
        const name = leaf.path.split('.').at(-1)!;
        assert.match(text, new RegExp(`^# ${name} = `, 'm'), `${leaf.path} is not shown (commented out)`);
        return;
      }
      const shown = valueAt(leaf.path);
      assert.notEqual(shown, undefined, `${leaf.path} is missing from the sample`);
      assert.deepEqual(finish(shown), finish(leaf.item.default), `${leaf.path}: the sample shows ${JSON.stringify(shown)}`);
    });
  }

  for (const { type } of TRANSFORMS) {
    it(`shows an example of the ${type} transform, commented out`, () => {
      assert.match(text, new RegExp(`^# type = "${type}" `, 'm'), `no [[transforms]] example of type ${type}`);
    });
  }

  it('its transform examples load once uncommented', () => {
    const examples = text.slice(text.indexOf('# [[transforms]]')).split('\n').map((l) => l.replace(/^# ?/, '')).join('\n');
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'gracc-sample-'));
    fs.writeFileSync(path.join(dir, 'probe-sites.csv'), 'condor:ce1.example.org,Site One\n');
    fs.writeFileSync(path.join(dir, 'transforms.toml'), examples);
    const specs = loadConfig({ file: path.join(dir, 'transforms.toml'), env: {} }).transforms;
    assert.deepEqual(specs.map((s) => s.type), ['filter', 'filter', 'set', 'rename', 'lowercase']);
    fs.rmSync(dir, { recursive: true });
  });

  it('loads, and holds no key the schema lacks', () => {
    const empty = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'gracc-sample-')), 'empty.toml');
    fs.writeFileSync(empty, '');
    assert.deepEqual(loadConfig({ file: SAMPLE, env: {} }), loadConfig({ file: empty, env: {} }));
    fs.rmSync(path.dirname(empty), { recursive: true });
  });
});
