// `gracc-collector convert` holds its output until the whole bundle is valid, then writes it
// through blocks of 1 MiB: what it prints must be each record's message on a line of its
// own, in order, however the lines fall across the blocks, a line longer than a block too.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, test } from 'node:test';
import { modernRecords } from '../../bench/modern-records';
import { envelopeOf } from '../../bench/sample-records';
import { CLI } from '../support/collector-process';
import { convertOk } from '../support/convert';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'gracc-convert-output-'));
after(() => fs.rmSync(dir, { recursive: true, force: true }));

/** Some 2.6 MB of JSON over three blocks, and in the middle one record of about 1.5 MB. */
const records = modernRecords(400, { seed: 7 });
records[150] = records[150]!.replace('</JobUsageRecord>', `<Resource urwg:description="Big">${'x'.repeat(1_500_000)}</Resource>\n</JobUsageRecord>`);

for (const fmt of ['json', 'xml'] as const) {
  test(`convert --format ${fmt}: each record's message a line, in order, across blocks and past one`, () => {
    const file = path.join(dir, `envelope-${fmt}.xml`);
    fs.writeFileSync(file, envelopeOf(records));
    const r = spawnSync(process.execPath, [CLI, 'convert', '--format', fmt, file], { maxBuffer: 64 << 20, timeout: 60_000 });
    assert.equal(r.status, 0, r.stderr.toString());
    const out = r.stdout.toString('utf8');
    assert.ok(out.endsWith('\n'));
    // the same records through the same path in this process, as the CLI is to print them
    const expected = convertOk([envelopeOf(records)], fmt).map((body) => (fmt === 'json' ? body : JSON.stringify(body)));
    const lines = out.slice(0, -1).split('\n');
    assert.equal(lines.length, records.length);
    assert.ok(lines[150]!.length > 1 << 20);
    for (let k = 0; k < lines.length; k++) assert.equal(lines[k], expected[k], `line ${k}`);
  });
}
