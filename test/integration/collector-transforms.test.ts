// The collector with [[transforms]] against the real RabbitMQ, through its HTTP endpoint: a
// filter dropping the test VO and a set from a mapping file. `update` bundles whose
// bundlesize counts every record received answer OK, the queue gets exactly the records
// kept, each with the field set, and /metrics counts the dropped and changed ones.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { jobRecords, multiupdate, update } from '../support/bundles';
import { CollectorProcess } from '../support/collector-process';
import { uniqueName } from '../support/rabbit';
import { rabbitSuite } from '../support/rabbit-suite';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'gracc-it-transforms-'));
const SITES = path.join(dir, 'probe-sites.csv');
fs.writeFileSync(SITES, '# ProbeName,site\ncondor:ce.example.org,CE Example Site\n');

/** Generated records of VO `vo` from probe `probe`, ids `<prefix>-0`, …. */
function records(prefix: string, count: number, vo: string, probe = 'condor:ce.example.org') {
  return jobRecords(prefix, count).map((r) => ({
    id: r.id,
    vo,
    xml: r.xml.replace('<VOName>osg</VOName>', `<VOName>${vo}</VOName>`).replace('<ProbeName>condor:ce.example.org</ProbeName>', `<ProbeName>${probe}</ProbeName>`),
  }));
}

/** The value of one sample of the Prometheus text, 0 when it is not there. */
function sample(text: string, name: string, labels: string): number {
  const line = text.split('\n').find((l) => l.startsWith(`${name}{${labels}}`));
  return line === undefined ? 0 : Number(line.slice(line.lastIndexOf(' ') + 1));
}

describe('gracc-collector with transforms over RabbitMQ', { timeout: 60_000 }, () => {
  const { admin, track } = rabbitSuite();
  let c: CollectorProcess;
  let queue: string;
  after(() => fs.rmSync(dir, { recursive: true, force: true }));

  before(async () => {
    const exchange = uniqueName('transforms');
    c = track(await CollectorProcess.start({
      config: [
        'timeout = "5s"',
        '[amqp]\nenable = true\nhost = "127.0.0.1"\nexchangeType = "fanout"',
        '[file]\nenable = false',
        '[[transforms]]\ntype = "filter"\nname = "no-test-vo"\naction = "drop"\nconditions = [{ field = "VOName", oneOf = ["test", "dteam"] }]',
        `[[transforms]]\ntype = "set"\nname = "site"\n[transforms.fields]\nOIM_Site = { lookup = ${JSON.stringify(SITES)}, key = "{ProbeName}", default = "unknown" }`,
      ].join('\n\n') + '\n',
      env: { GRACC_AMQP_EXCHANGE: exchange, GRACC_AMQP_RETRY: '200ms', GRACC_AMQP_MAXRETRY: '2s' },
    }));
    queue = await admin.bindQueue(exchange);
  });

  test('update bundles with filtered records answer OK; the queue gets exactly the kept records, with the field set; /metrics counts', async () => {
    const before = (await c.get('/metrics')).body;
    const first = [...records('a-osg', 2, 'osg'), ...records('a-test', 2, 'test'), ...records('a-other', 1, 'osg', 'condor:other.example.org')];
    const second = [...records('b-dteam', 1, 'dteam'), ...records('b-cms', 2, 'cms')];
    const allDropped = records('c-test', 3, 'test');
    for (const bundle of [first, second, allDropped]) {
      const answer = await c.post(update(bundle.map((r) => r.xml)));
      assert.deepEqual([answer.status, answer.body], [200, 'OK'], `bundlesize ${bundle.length}: ${answer.body}`);
    }
    // bundlesize still counts the records as received: the kept ones alone are a mismatch
    const mismatch = await c.post({ ...update(first.map((r) => r.xml)), bundlesize: '3' });
    assert.deepEqual([mismatch.status, mismatch.body], [400, 'Error: bundlesize is 3 but the bundle holds 5 records']);
    const probe = await c.post(multiupdate([...records('d-osg', 1, 'osg'), ...records('d-test', 1, 'test')].map((r) => r.xml)));
    assert.equal(probe.status, 200, probe.body);

    const kept = [...first, ...second, ...allDropped].filter((r) => r.vo !== 'test' && r.vo !== 'dteam').map((r) => r.id).concat('d-osg-0');
    const got = await admin.drain(queue, { min: kept.length, quietMs: 300 });
    const bodies = got.map((m) => JSON.parse(m.content.toString('utf8')) as Record<string, unknown>);
    assert.deepEqual(bodies.map((b) => b['RecordId']), kept, 'exactly the records kept, in order');
    assert.deepEqual(bodies.map((b) => b['OIM_Site']), kept.map((id) => (id.startsWith('a-other') ? 'unknown' : 'CE Example Site')));
    for (const b of bodies) assert.equal(Object.keys(b).at(-1), 'RawXML', 'RawXML stays last');

    const metrics = (await c.get('/metrics')).body;
    const grew = (name: string, transform: string) => sample(metrics, name, `transform="${transform}"`) - sample(before, name, `transform="${transform}"`);
    // dropped: 2 + 1 + 3 + 1 of the OK bundles, and the 2 of the bundle refused for its bundlesize (counted as the filter saw them)
    assert.equal(grew('gracc_transform_dropped_total', 'no-test-vo'), 2 + 1 + 3 + 1 + 2);
    assert.equal(grew('gracc_transform_changed_total', 'site'), kept.length + 3);
    assert.match(metrics, /^gracc_transform_changed_total\{transform="no-test-vo"\} 0$/m, 'every transform shown from the start');
  });
});
