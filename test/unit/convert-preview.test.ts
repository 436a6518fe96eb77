// `gracc-collector convert -c FILE BUNDLE`: what each sink the configuration enables would be
// handed, one JSON line per record per sink, without connecting to any broker.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, describe, it } from 'node:test';
import { corpus, envelope, jobRecord, parseJsonExact } from '../support/bundles';
import { CLI } from '../support/collector-process';
import { convertOk } from '../support/convert';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'gracc-preview-test-'));
after(() => fs.rmSync(dir, { recursive: true, force: true }));
let files = 0;
function file(text: string): string {
  const name = path.join(dir, `f${++files}`);
  fs.writeFileSync(name, text);
  return name;
}

/** Runs `gracc-collector convert ARGS` with no GRACC_* variables. */
function convert(...args: string[]): { status: number | null; stdout: string; stderr: string } {
  const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('GRACC_')));
  const r = spawnSync(process.execPath, [CLI, 'convert', ...args], { encoding: 'utf8', env, timeout: 20_000 });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

const cms = jobRecord('cms-1').xml.replace('<VOName>osg</VOName>', '<VOName>cms</VOName>');
const storage = corpus().find((c) => c.kind === 'StorageElementRecord')!.xml;
const bundle = file(envelope([cms, storage]));
const CONFIG = [
  '[amqp]', 'routingKey = "{type}.{VOName:-unknown}"',
  '[kafka]', 'enable = true', 'topic = "gracc-{type}"', 'key = "{VOName}"', 'format = "xml"',
  '[file]', 'enable = true', 'format = "raw"', '',
].join('\n');

describe('convert -c: a preview of what each sink would be handed', () => {
  it('one line per record per enabled sink, in the registry\'s order: destination, content type, body', () => {
    const r = convert('-c', file(CONFIG), bundle);
    assert.equal(r.status, 0, r.stderr);
    const lines = r.stdout.trimEnd().split('\n').map((l) => parseJsonExact(l));
    const [json, xml] = [convertOk([envelope([cms, storage])], 'json'), convertOk([envelope([cms, storage])], 'xml')];
    assert.deepEqual(lines, [
      { sink: 'amqp', routingKey: 'JobUsageRecord.cms', contentType: 'application/json', body: parseJsonExact(json[0]!) },
      { sink: 'kafka', topic: 'gracc-JobUsageRecord', key: 'cms', contentType: 'text/xml', body: xml[0] },
      { sink: 'file', contentType: 'text/xml', body: cms },
      { sink: 'amqp', routingKey: 'StorageElementRecord.unknown', contentType: 'application/json', body: parseJsonExact(json[1]!) },
      { sink: 'kafka', topic: 'gracc-StorageElementRecord', key: null, contentType: 'text/xml', body: xml[1] },
      { sink: 'file', contentType: 'text/xml', body: storage },
    ]);
    // The JSON body is the record as the sink gets it, byte for byte (64-bit counts digit for digit).
    assert.ok(r.stdout.split('\n')[3]!.endsWith(`"body":${json[1]}}`));
  });

  it('the defaults: the constant routing key, the topic and the record id as the key', () => {
    const r = convert('-c', file('[amqp]\nroutingKey = "gracc.{{all}}"\n[kafka]\nenable = true\n'), bundle);
    assert.equal(r.status, 0, r.stderr);
    const heads = r.stdout.trimEnd().split('\n').map((l) => {
      const { body: _body, ...head } = parseJsonExact(l);
      return head;
    });
    const storageId = String(parseJsonExact(convertOk([storage])[0]!)['UniqueID']);
    assert.deepEqual(heads, [
      { sink: 'amqp', routingKey: 'gracc.{all}', contentType: 'application/json' },
      { sink: 'kafka', topic: 'gracc', key: 'cms-1', contentType: 'application/json' },
      { sink: 'amqp', routingKey: 'gracc.{all}', contentType: 'application/json' },
      { sink: 'kafka', topic: 'gracc', key: storageId, contentType: 'application/json' },
    ]);
  });

  it('a record a sink cannot address: nothing written, the reason on standard error, exit code 1', () => {
    const slash = jobRecord('vo-slash').xml.replace('<VOName>osg</VOName>', '<VOName>a/b</VOName>');
    const r = convert('-c', file('[amqp]\nenable = false\n[kafka]\nenable = true\ntopic = "gracc-{VOName}"\n'), file(envelope([cms, slash])));
    assert.equal(r.status, 1);
    assert.equal(r.stdout, '');
    assert.match(r.stderr, /^gracc-collector convert: record 2 \(vo-slash\): kafka\.topic "gracc-\{VOName\}" gives "gracc-a\/b", not a Kafka topic name/);
  });

  it('a bad configuration names the key; --format does not go with -c', () => {
    const bad = convert('-c', file('[amqp]\nroutingKey = "{type"\n'), bundle);
    assert.equal(bad.status, 1);
    assert.match(bad.stderr, /^gracc-collector convert: configuration: .*amqp\.routingKey: unclosed "\{" at position 0/);
    const both = convert('-c', file(''), '--format', 'xml', bundle);
    assert.equal(both.status, 2);
    assert.match(both.stderr, /--format and -c do not go together/);
  });

  it('without -c: one record a line in one format, as before', () => {
    const r = convert('--format', 'raw', bundle);
    assert.equal(r.status, 0, r.stderr);
    assert.deepEqual(r.stdout.trimEnd().split('\n'), [JSON.stringify(cms), JSON.stringify(storage)]);
  });
});
