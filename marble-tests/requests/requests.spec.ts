// Whole requests in virtual time: each case of cases.ts runs through handleRequest with
// scripted sinks whose publish() and availability follow the case's marbles; the answer
// (status, body, the frame it came at) and every bundle each sink was handed are compared
// with golden/<case>.json. `UPDATE_GOLDEN=1 npm run test:unit` rewrites the golden files
// (review their diff before committing them).
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { concat, concatMap, delay, from, NEVER, type Observable, of, throwError } from 'rxjs';
import type { TestScheduler } from 'rxjs/testing';
import { type RecordAddressing, SinkError } from '../../src/contracts/sink';
import { amqpEncoder } from '../../src/io/sinks/amqp/encoder';
import { kafkaEncoder } from '../../src/io/sinks/kafka/encoder';
import type { Answer } from '../../src/contracts/answer';
import { handleRequest } from '../../src/streams/handle-request';
import { ClientGone } from '../../src/contracts/request-errors';
import { bytesIn } from '../../test/support/convert';
import { formBody } from '../../test/support/forms';
import { asReceived, byteBudget, ScriptedSink } from '../../test/support/scripted-sink';
import { marbles } from '../marbles';
import { CASES, type RequestCase, type SinkCase } from './cases';

const GOLDEN = path.resolve(__dirname, '../../../marble-tests/requests/golden');
const UPDATE = Boolean(process.env['UPDATE_GOLDEN']);

/** Availability marble values. */
const AVAILABILITY: Record<string, string | null> = {
  u: null,
  d: 'not connected to the broker',
  b: 'the broker blocked the connection: low on memory',
};

const FAILURE_MESSAGES: Record<string, string> = {
  nack: 'the broker nacked a record',
  returned: 'a record was returned unroutable (NO_ROUTE)',
  error: 'the send failed',
  down: 'the connection closed',
  blocked: 'the broker blocked the connection',
  timeout: 'no acknowledgement in time',
};

/** What a golden file holds. */
interface Outcome {
  readonly about: string;
  readonly body: { readonly bytes: number; readonly chunks: number; readonly sha256: string };
  readonly answer: { readonly status: number; readonly body: string; readonly frame: number } | null;
  readonly sinks: Record<string, unknown>;
}

function bodyOf(c: RequestCase): Buffer {
  return Buffer.isBuffer(c.body) ? c.body : formBody(c.body);
}

function body$(c: RequestCase, chunks: readonly Buffer[]): Observable<Uint8Array> {
  const arriving = c.spread ? from(chunks).pipe(concatMap((chunk, i) => (i === 0 ? of(chunk) : of(chunk).pipe(delay(1))))) : from(chunks);
  if (c.aborted) return concat(arriving, throwError(() => new ClientGone('the client went away mid-body (aborted)')));
  return c.stalled ? concat(arriving, NEVER) : arriving;
}

/** How the real sink of the case's name would address records, given its `routes`. */
function addressingOf(s: SinkCase): RecordAddressing | undefined {
  if (s.routes === undefined) return undefined;
  const { routingKey = '', topic = 'gracc', key = '' } = s.routes;
  return s.name === 'kafka' ? kafkaEncoder({ format: s.format, topic, key }).addressing : amqpEncoder({ format: s.format, routingKey }).addressing;
}

function sinkFor(s: SinkCase, scheduler: TestScheduler, helpers: Parameters<Parameters<TestScheduler['run']>[0]>[0]): ScriptedSink {
  const failure = s.fails ?? 'nack';
  const error = failure === 'crash' ? new Error(`${s.name} crashed: cannot read properties of undefined`) : new SinkError(s.name, failure, FAILURE_MESSAGES[failure]!);
  return new ScriptedSink({
    name: s.name,
    format: s.format,
    addressing: addressingOf(s),
    now: () => scheduler.now(),
    unavailable$: helpers.cold(s.unavailable ?? 'u', AVAILABILITY),
    respond: () => helpers.cold<never>(s.publish, undefined, error),
  });
}

function run(c: RequestCase): Outcome {
  const body = bodyOf(c);
  const chunks = c.chunkSize === undefined ? [body] : bytesIn(body, c.chunkSize);
  const scheduler = marbles();
  let answer: Outcome['answer'] = null;
  let answers = 0;
  let sinks: ScriptedSink[] = [];
  scheduler.run((helpers) => {
    sinks = c.sinks.map((s) => sinkFor(s, scheduler, helpers));
    handleRequest(body$(c, chunks), {}, {
      sinks,
      timeoutMs: c.timeoutMs ?? 10,
      maxBodySize: c.maxBodySize ?? 64 * 1024 * 1024,
      scheduler,
      ...(c.inFlightBytesFree !== undefined ? { budget: byteBudget(c.inFlightBytesFree) } : {}),
      ...c.options,
    }).subscribe((a: Answer) => {
      answers++;
      answer = { status: a.status, body: a.body, frame: scheduler.now() };
    });
  });
  assert.ok(answers <= 1, `${c.name}: ${answers} answers`);
  return {
    about: c.about,
    body: { bytes: body.length, chunks: chunks.length, sha256: createHash('sha256').update(body).digest('hex') },
    answer,
    sinks: Object.fromEntries(sinks.map((s, i) => [s.name, {
      format: s.format,
      ...(c.sinks[i]!.routes ? { routes: c.sinks[i]!.routes } : {}),
      publishes: s.publishes.map((p) => ({ at: p.at, end: p.end, endedAt: p.endedAt ?? null, messages: p.messages.map(asReceived) })),
    }])),
  };
}

const goldenFile = (name: string) => path.join(GOLDEN, `${name}.json`);

for (const c of CASES) {
  test(`request ${c.name}: ${c.about}`, () => {
    const outcome = JSON.parse(JSON.stringify(run(c))) as Outcome;
    const file = goldenFile(c.name);
    if (UPDATE) {
      mkdirSync(GOLDEN, { recursive: true });
      writeFileSync(file, JSON.stringify(outcome, null, 1) + '\n');
      return;
    }
    assert.ok(existsSync(file), `no golden file ${file}: run UPDATE_GOLDEN=1 npm run test:unit and review it`);
    const golden = JSON.parse(readFileSync(file, 'utf8')) as Outcome;
    assert.deepEqual(outcome.answer, golden.answer, `${c.name}: the answer`);
    assert.deepEqual(outcome, golden, `${c.name}: what the sinks received (UPDATE_GOLDEN=1 rewrites ${file})`);
  });
}

test('requests: every golden file has its case, and the cases cover every answer of the protocol', () => {
  const names = new Set(CASES.map((c) => c.name));
  assert.equal(names.size, CASES.length, 'two cases with one name');
  if (!UPDATE) {
    const stale = readdirSync(GOLDEN).filter((f) => f.endsWith('.json') && !names.has(f.slice(0, -'.json'.length)));
    assert.deepEqual(stale, [], 'golden files without a case');
  }
  const statuses = new Set(CASES.map((c) => JSON.parse(readFileSync(goldenFile(c.name), 'utf8')) as Outcome).map((o) => o.answer?.status));
  assert.deepEqual([...statuses].sort(), [200, 400, 408, 413, 499, 500, 503]);
});
