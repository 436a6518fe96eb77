// SIGHUP reloads the configuration while bundles stream in: every bundle answered OK is wholly
// in the old destinations or wholly in the new ones (RabbitMQ exchange and file path both
// change), none lost, none split; a broken file is refused, counted and logged, and the
// collector serves on with the configuration it had. With one worker and with two.
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, it } from 'node:test';
import { jobRecords, multiupdate } from '../support/bundles';
import { CollectorProcess, sleep, waitUntil } from '../support/collector-process';
import { uniqueName } from '../support/rabbit';
import { rabbitSuite } from '../support/rabbit-suite';

const RECORDS_PER_BUNDLE = 5;
const SENDERS = 4;
/** Bundles answered OK before the reload, and after it. */
const EACH_SIDE = 15;

const configText = (workers: number, exchange: string, file: string, maxConnections = 1000): string =>
  `workers = ${workers}\nmaxConnections = ${maxConnections}\n[amqp]\nhost = "127.0.0.1"\nexchange = "${exchange}"\n[file]\nenable = true\npath = "${file}"\n`;

/** The RecordIds of the file sink's lines (none if the file was never written). */
function fileIds(file: string): string[] {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch {
    return [];
  }
  return text.split('\n').filter((l) => l !== '').map((l) => String((JSON.parse(l) as { RecordId: unknown }).RecordId));
}

for (const workers of [1, 2]) {
  describe(`reload on SIGHUP, workers = ${workers}`, { timeout: 120_000 }, () => {
    const { admin, track } = rabbitSuite();

    it('swaps exchange and file between bundles under load, refuses a broken file and serves on', async () => {
      const dir = mkdtempSync(path.join(tmpdir(), 'gracc-reload-'));
      const [exchangeA, exchangeB] = [uniqueName('old'), uniqueName('new')];
      const [fileA, fileB] = [path.join(dir, 'old.ndjson'), path.join(dir, 'new.ndjson')];
      const declare = { type: 'fanout', durable: true, autoDelete: true };
      const queueA = await admin.bindQueue(exchangeA, { declare });
      const queueB = await admin.bindQueue(exchangeB, { declare });
      const collector = track(await CollectorProcess.start({ config: configText(workers, exchangeA, fileA), readyChecks: workers * 2 }));
      const starting = collector.logs.find((l) => l.msg === 'starting');
      assert.match(String(starting?.['version']), /^\d+\.\d+\.\d+/);

      // A stream of bundles from SENDERS senders, each bundle on a connection of its own.
      const answers = new Map<number, number | string>();
      let next = 0;
      let ok = 0;
      let sending = true;
      const sender = async (): Promise<void> => {
        while (sending) {
          const i = next++;
          const answer = await collector.postFresh(multiupdate(jobRecords(`w${workers}-b${i}`, RECORDS_PER_BUNDLE).map((r) => r.xml)));
          answers.set(i, 'status' in answer ? answer.status : answer.error);
          if ('status' in answer && answer.status === 200) ok++;
        }
      };
      const senders = Array.from({ length: SENDERS }, sender);
      const heldBundles = new Set<number>();
      try {
        await waitUntil(() => ok >= EACH_SIDE, 30_000, 'bundles before the reload');
        // Bundles surely in flight across the swap: half sent before the SIGHUP, the rest after
        // every worker reloaded. They started on the old configuration and must end there.
        let release!: () => void;
        const rest = new Promise<void>((resolve) => (release = resolve));
        const held = Array.from({ length: 2 * workers }, () => {
          const i = next++;
          heldBundles.add(i);
          return collector.postInTwoHalves(multiupdate(jobRecords(`w${workers}-b${i}`, RECORDS_PER_BUNDLE).map((r) => r.xml)), rest, { headers: { connection: 'close' } })
            .then((answer) => answers.set(i, 'status' in answer ? answer.status : answer.error));
        });
        await sleep(300); // the halves reach the collector
        const from = collector.logs.length;
        writeFileSync(collector.configFile!, configText(workers, exchangeB, fileB, 500));
        collector.signal('SIGHUP');
        await waitUntil(() => collector.logs.slice(from).filter((l) => l.msg === 'configuration reloaded').length >= workers, 30_000, 'every worker reloaded');
        const restart = collector.logs.slice(from).find((l) => String(l.msg).includes('change only with a restart'));
        assert.deepEqual(restart?.['keys'], ['maxConnections'], 'the restart-only key changed is named');
        release();
        await Promise.all(held);
        const okAtReload = ok;
        await waitUntil(() => ok >= okAtReload + EACH_SIDE, 30_000, 'bundles after the reload');
      } finally {
        sending = false;
        await Promise.all(senders);
      }

      // Every bundle was answered OK (the new sinks were connected before the swap) and is
      // wholly in one generation's destinations: both its sinks, old or new.
      const notOk = [...answers].filter(([, a]) => a !== 200);
      assert.deepEqual(notOk, [], 'no bundle failed across the reload');
      const inQueue = async (queue: string): Promise<Set<string>> => {
        const count = await admin.messageCount(queue);
        const messages = await admin.drain(queue, { min: count, quietMs: 300 });
        return new Set(messages.map((m) => String((JSON.parse(m.content.toString()) as { RecordId: unknown }).RecordId)));
      };
      const [amqpA, amqpB] = [await inQueue(queueA), await inQueue(queueB)];
      const [fileSetA, fileSetB] = [new Set(fileIds(fileA)), new Set(fileIds(fileB))];
      let old = 0;
      let renewed = 0;
      for (const [i] of answers) {
        const ids = jobRecords(`w${workers}-b${i}`, RECORDS_PER_BUNDLE).map((r) => r.id);
        const where = (set: Set<string>): number => ids.filter((id) => set.has(id)).length;
        const placed = [where(amqpA), where(amqpB), where(fileSetA), where(fileSetB)];
        const wholeOld = placed.join() === `${RECORDS_PER_BUNDLE},0,${RECORDS_PER_BUNDLE},0`;
        const wholeNew = placed.join() === `0,${RECORDS_PER_BUNDLE},0,${RECORDS_PER_BUNDLE}`;
        assert.ok(wholeOld || wholeNew, `bundle ${i}: records in old exchange, new exchange, old file, new file: ${placed.join(', ')}`);
        if (heldBundles.has(i)) assert.ok(wholeOld, `bundle ${i}, in flight across the reload, is in the old destinations`);
        if (wholeOld) old++;
        else renewed++;
      }
      assert.ok(old >= EACH_SIDE && renewed >= EACH_SIDE, `bundles before / after: ${old} / ${renewed}`);
      const total = answers.size * RECORDS_PER_BUNDLE;
      assert.equal(amqpA.size + amqpB.size, total, 'no record lost or duplicated in RabbitMQ');
      assert.equal(fileIds(fileA).length + fileIds(fileB).length, total, 'no record lost or duplicated in the files');

      const metric = async (pattern: RegExp): Promise<string | undefined> => pattern.exec((await collector.getFresh('/metrics')).body)?.[1];
      assert.equal(await metric(/^gracc_config_reloads_total\{result="ok"\} (\d+)$/m), '1');
      assert.match((await collector.getFresh('/metrics')).body, /^gracc_build_info\{version="\d+\.\d+\.\d+[^"]*",node="v\d+[^"]*"\} 1$/m);

      // A broken file: refused with the reason, counted; the collector serves on as it was.
      const from = collector.logs.length;
      writeFileSync(collector.configFile!, `${configText(workers, exchangeA, fileA)}[amqp\n`);
      collector.signal('SIGHUP');
      const refused = await collector.waitForLog((l) => String(l.msg).startsWith('reload refused'), 10_000, from);
      assert.match(String(refused['reason']), /invalid TOML at line/);
      await waitUntil(async () => (await metric(/^gracc_config_reloads_total\{result="failed"\} (\d+)$/m)) === '1', 10_000, 'the failed reload counted');
      assert.equal(await metric(/^gracc_config_reloads_total\{result="ok"\} (\d+)$/m), '1');
      for (let k = 0; k < workers * 2; k++) {
        const answer = await collector.postFresh(multiupdate(jobRecords(`w${workers}-after-${k}`, 2).map((r) => r.xml)));
        assert.ok('status' in answer && answer.status === 200, JSON.stringify(answer));
      }
      const after = await admin.drain(queueB, { min: workers * 4, quietMs: 300 });
      assert.equal(after.length, workers * 4, 'the bundles after the refused reload went to the configuration in use');
      assert.equal((await admin.messageCount(queueA)), 0);
      assert.equal(collector.running, true);
    });
  });
}
