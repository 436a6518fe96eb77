// The whole-request regression cases: a request body, each sink's behaviour as a marble,
// and (in golden/<name>.json, written by `UPDATE_GOLDEN=1 npm run test:unit`) the answer
// and the exact messages each sink received. One entry a case; requests.spec.ts runs them.
//
// A case for a transform is one more entry whose `options` holds what handleRequest takes
// for it (e.g. `options: { transforms: [...] }`) and whose golden file shows what the sinks
// got after it.
import type { SinkFailure } from '../../src/contracts/sink';
import type { Format } from '../../src/contracts/sink';
import path from 'node:path';
import type { RequestOptions } from '../../src/streams/handle-request';
import { buildTransformChain, readTransforms } from '../../src/transforms/chain';
import { corpus, envelope, jobRecord, jobRecords, probeDetails, readShared, realBundles, replication } from '../../test/support/bundles';
import { type FormFields, formBody } from '../../test/support/forms';

export interface SinkCase {
  readonly name: string;
  readonly format: Format;
  /**
   * The sink's answer to the bundle, from the moment publish() is subscribed: `|` confirms
   * (`---|` three frames later), `#` fails as `fails` says. Never ending (`-`) is a sink
   * that never confirms.
   */
  readonly publish: string;
  /** How `#` fails: a SinkError of this kind, or `crash` (an error that is not a SinkError). Default `nack`. */
  readonly fails?: SinkFailure | 'crash';
  /** The sink's availability from the request's start: `u` up, `d` down, `b` blocked by the broker. Default `u`. */
  readonly unavailable?: string;
  /**
   * Its destination as the real sink of that name takes it from its table (`routingKey` for
   * amqp; `topic` and `key` for kafka), each a template over the records' fields: the sink
   * then addresses records as that sink's encoder does. Default: none, every record alike.
   */
  readonly routes?: Readonly<Record<string, string>>;
}

export interface RequestCase {
  readonly name: string;
  readonly about: string;
  /** The request body: form fields (escaped as probes do), or bytes exactly as a sender sent them. */
  readonly body: FormFields | Buffer;
  /** Cut the body in chunks of this many bytes (default: one chunk). */
  readonly chunkSize?: number;
  /** The chunks come one a frame (default: all at frame 0). */
  readonly spread?: boolean;
  /** The client goes away after the body's chunks instead of ending it. */
  readonly aborted?: boolean;
  /** The client sends the body's chunks, then nothing more and never ends it. */
  readonly stalled?: boolean;
  readonly sinks: readonly SinkCase[];
  /** Each sink's confirm timeout, in frames (default 10). */
  readonly timeoutMs?: number;
  readonly maxBodySize?: number;
  /** Bytes left in the budget all requests share (`maxInFlightBytes`); default no budget. */
  readonly inFlightBytesFree?: number;
  /** More of handleRequest's options (where transforms go). */
  readonly options?: Partial<RequestOptions>;
}

const real = realBundles();
const probeForm = Buffer.from(readShared('bundles/probe-library-multiupdate.form'), 'utf8');
const generated = jobRecords('gen', 3).map((r) => r.xml);
const storage = corpus().find((c) => c.kind === 'StorageElementRecord')!.xml;
/** A record of a VO whose name holds a "/", which no Kafka topic name may. */
const slashVo = jobRecord('vo-slash', 4).xml.replace('<VOName>osg</VOName>', '<VOName>/cms/Role=pilot</VOName>');
/** A record without a VOName. */
const noVo = jobRecord('no-vo', 5).xml.replace('<VOName>osg</VOName>', '');
/** A record whose StartTime has no offset: invalid (DESIGN.md §3). */
const badRecord = jobRecord('bad-start', 2).xml.replace('<StartTime>2024-05-06T06:00:00Z</StartTime>', '<StartTime>2024-05-06T06:00:00</StartTime>');

/** Generated records of VO `vo` (the generated ones are osg's), with ids `vo-0`, `vo-1`, … */
const ofVo = (vo: string, count: number) => jobRecords(vo, count).map((r) => r.xml.replace('<VOName>osg</VOName>', `<VOName>${vo}</VOName>`));
const testVo = ofVo('test', 2);
/** The mapping files of the transforms' specs. */
const FIXTURES = path.resolve(__dirname, '../../../marble-tests/transforms/fixtures');

/** handleRequest's options for these [[transforms]] tables, built as the configuration builds them. */
function transforms(...tables: Record<string, unknown>[]): Partial<RequestOptions> {
  const problems: string[] = [];
  const specs = readTransforms(tables, { baseDir: FIXTURES }, (p) => problems.push(p));
  if (problems.length > 0) throw new Error(problems.join('\n'));
  return { transforms: buildTransformChain(specs) };
}
const dropTestVo = { type: 'filter', action: 'drop', conditions: [{ field: 'VOName', oneOf: ['test', 'dteam'] }] };

const multiupdate = (arg1: string, from = 'probe:ce.example.org'): FormFields => [['command', 'multiupdate'], ['from', from], ['arg1', arg1]];
const update = (arg1: string, bundlesize: string): FormFields => [['command', 'update'], ['from', 'collector.example.org'], ['bundlesize', bundlesize], ['arg1', arg1]];

const amqp = (publish: string, more: Partial<SinkCase> = {}): SinkCase => ({ name: 'amqp', format: 'json', publish, ...more });
const kafka = (publish: string, more: Partial<SinkCase> = {}): SinkCase => ({ name: 'kafka', format: 'xml', publish, ...more });
const file = (publish: string, more: Partial<SinkCase> = {}): SinkCase => ({ name: 'file', format: 'raw', publish, ...more });

export const CASES: readonly RequestCase[] = [
  // ---- 200 OK
  { name: 'ok-real-envelope', about: 'the real probe envelope (multiupdate): 11 records, confirmed after 2 frames', body: multiupdate(real.envelope), sinks: [amqp('--|')] },
  { name: 'ok-probe-library-form', about: 'the exact body a Gratia probe library sent: handshakes and records, raw format', body: probeForm, sinks: [file('-|')] },
  { name: 'ok-real-replication', about: 'the real replication bundle (update, bundlesize 15), xml format', body: update(real.replication, '15'), sinks: [kafka('---|')] },
  { name: 'ok-urlencodedupdate', about: 'one record alone (urlencodedupdate), no from needed', body: [['command', 'urlencodedupdate'], ['arg1', generated[0]!]], sinks: [amqp('|')] },
  { name: 'ok-command-any-case', about: 'the command in any case', body: [['command', 'MultiUpdate'], ['from', 'p'], ['arg1', envelope([storage])]], sinks: [amqp('|')] },
  {
    name: 'ok-fan-out-three-sinks', about: 'three sinks, three formats, each confirming in its own time: OK once the last has',
    body: multiupdate(envelope([probeDetails(), ...generated])), sinks: [amqp('-|'), kafka('----|'), file('--|')],
  },
  { name: 'ok-late-within-timeout', about: 'a confirm at frame 9 of a 10-frame timeout', body: multiupdate(envelope(generated)), sinks: [amqp('---------|')] },
  {
    name: 'ok-chunks-one-a-frame', about: 'the real envelope as a form cut in 997-byte chunks arriving one a frame (cuts inside escapes)',
    body: multiupdate(real.envelope), chunkSize: 997, spread: true, sinks: [amqp('-|')],
  },
  // ---- routing by record: each sink's destination a template over the record's fields
  {
    name: 'ok-routed-by-type-and-vo', about: 'routingKey "{type}.{VOName:-unknown}": job records by VO, one without a VO and a storage record unknown; the file sink beside gets no destination',
    body: multiupdate(envelope([generated[0]!, noVo, storage])), sinks: [amqp('-|', { routes: { routingKey: '{type}.{VOName:-unknown}' } }), file('|', { format: 'json' })],
  },
  {
    name: 'ok-kafka-topic-and-key-by-record', about: 'kafka topic "gracc-{type}" and key "{SiteName:-nosite}/{RecordId}" over the real replication bundle; amqp keeps its constant key',
    body: update(real.replication, '15'), sinks: [kafka('--|', { routes: { topic: 'gracc-{type}', key: '{SiteName:-nosite}/{RecordId}' } }), amqp('-|', { routes: { routingKey: 'gracc.all' } })],
  },
  {
    name: 'bad-topic-from-record', about: 'topic "gracc-{VOName}" for a record whose VO holds "/": 400 naming the record, nothing published to either sink',
    body: multiupdate(envelope([generated[0]!, slashVo])), sinks: [amqp('|'), kafka('|', { routes: { topic: 'gracc-{VOName}' } })],
  },
  // ---- pings and handshakes: OK, nothing published, no sink asked (even one that is down)
  { name: 'ping', about: "a probe's ping (update, arg1=xxx): OK, no record", body: [['command', 'update'], ['arg1', 'xxx']], sinks: [amqp('|')] },
  { name: 'ping-while-down', about: 'a ping while the sink is down: OK, the sink not asked', body: [['command', 'update'], ['arg1', 'xxx']], sinks: [amqp('|', { unavailable: 'd' })] },
  { name: 'handshake-only', about: 'an envelope of a ProbeDetails handshake only: OK, the sink not asked', body: multiupdate(envelope([probeDetails()])), sinks: [amqp('|')] },
  {
    name: 'handshake-only-while-down', about: 'an envelope of a ProbeDetails handshake only while the sink is down: OK, the sink not asked',
    body: multiupdate(envelope([probeDetails()])), sinks: [amqp('|', { unavailable: 'd' })],
  },
  // ---- 400: the request
  { name: 'bad-missing-command', about: 'no command field', body: [['from', 'p'], ['arg1', envelope(generated)]], sinks: [amqp('|')] },
  { name: 'bad-empty-body', about: 'an empty body', body: Buffer.alloc(0), sinks: [amqp('|')] },
  { name: 'bad-missing-from', about: 'multiupdate without from', body: [['command', 'multiupdate'], ['arg1', envelope(generated)]], sinks: [amqp('|')] },
  { name: 'bad-missing-arg1', about: 'no arg1 field', body: [['command', 'multiupdate'], ['from', 'p']], sinks: [amqp('|')] },
  { name: 'bad-missing-bundlesize', about: 'update without bundlesize', body: [['command', 'update'], ['from', 'c'], ['arg1', replication(generated)]], sinks: [amqp('|')] },
  { name: 'bad-bundlesize-not-a-number', about: 'bundlesize is not a number', body: update(replication(generated), 'three'), sinks: [amqp('|')] },
  { name: 'bad-bundlesize-mismatch', about: 'bundlesize says 4, the bundle holds 3', body: update(replication(generated), '4'), sinks: [amqp('|')] },
  { name: 'bad-unknown-command', about: 'an unknown command, named exactly as sent', body: [['command', 'Upload'], ['from', 'p'], ['arg1', envelope(generated)]], sinks: [amqp('|')] },
  {
    name: 'bad-unknown-command-before-bad-payload', about: 'an unknown command is named even when the payload is bad too',
    body: [['command', 'upload'], ['from', 'p'], ['arg1', 'garbage']], sinks: [amqp('|')],
  },
  // ---- 400: the payload
  {
    name: 'bad-record', about: 'record 2 of 3 has a StartTime without offset: named by position and id, nothing published to either sink',
    body: multiupdate(envelope([generated[0]!, badRecord, generated[1]!])), sinks: [amqp('|'), kafka('|')],
  },
  { name: 'bad-not-a-bundle', about: 'arg1 is neither an envelope, a record nor a replication bundle', body: multiupdate('garbage'), sinks: [amqp('|')] },
  {
    name: 'bad-invalid-utf8', about: 'a byte that is not UTF-8 in a record',
    body: [['command', 'multiupdate'], ['from', 'p'], ['arg1', Buffer.concat([Buffer.from(envelope(generated).slice(0, 400)), Buffer.from([0xff]), Buffer.from(envelope(generated).slice(400))])]],
    sinks: [amqp('|')],
  },
  { name: 'bad-malformed-xml', about: 'an envelope cut short', body: multiupdate(envelope(generated).slice(0, -30)), sinks: [amqp('|')] },
  // ---- 413
  { name: 'too-large', about: 'a body over maxBodySize (1000 bytes)', body: multiupdate(real.envelope), maxBodySize: 1000, sinks: [amqp('|')] },
  // ---- 503: a sink could not confirm
  { name: 'sink-down', about: 'the sink is not connected: 503 at once', body: multiupdate(envelope(generated)), sinks: [amqp('|', { unavailable: 'd' })] },
  { name: 'sink-blocked', about: 'the broker blocks the connection (memory alarm): 503 at once', body: multiupdate(envelope(generated)), sinks: [amqp('|', { unavailable: 'b' })] },
  { name: 'sink-down-later', about: 'the sink goes down after the request was answered: no effect on it', body: multiupdate(envelope(generated)), sinks: [amqp('--|', { unavailable: 'u-d' })] },
  { name: 'sink-nack', about: 'the broker nacks after 2 frames', body: multiupdate(envelope(generated)), sinks: [amqp('--#', { fails: 'nack' })] },
  { name: 'sink-returned', about: 'a record comes back unroutable', body: multiupdate(envelope(generated)), sinks: [amqp('-#', { fails: 'returned' })] },
  { name: 'sink-error', about: 'the sink fails otherwise (a send error)', body: update(replication(generated), '3'), sinks: [kafka('---#', { fails: 'error' })] },
  { name: 'sink-timeout', about: 'no confirm within the 10-frame timeout', body: multiupdate(envelope(generated)), sinks: [amqp('------------|')] },
  { name: 'sink-never-confirms', about: 'a sink that never answers: the timeout', body: multiupdate(envelope(generated)), timeoutMs: 5, sinks: [amqp('-')] },
  {
    name: 'fan-out-one-nacks', about: 'amqp confirms, kafka nacks: 503 naming kafka, amqp had the records',
    body: multiupdate(envelope(generated)), sinks: [amqp('-|'), kafka('---#', { fails: 'nack' })],
  },
  {
    name: 'fan-out-one-slow', about: 'amqp would confirm late, kafka fails first: amqp released',
    body: multiupdate(envelope(generated)), sinks: [amqp('-----|'), kafka('--#', { fails: 'error' })],
  },
  {
    name: 'fan-out-one-blocked', about: 'kafka up, amqp blocked: 503 naming amqp',
    body: multiupdate(envelope(generated)), sinks: [kafka('--|'), amqp('|', { unavailable: 'b' })],
  },
  {
    name: 'too-many-bytes-in-flight', about: 'the shared budget has 100 bytes left: 503, nothing published',
    body: multiupdate(envelope(generated)), inFlightBytesFree: 100, sinks: [amqp('|')],
  },
  {
    name: 'within-budget', about: 'the shared budget has room for the body',
    body: multiupdate(envelope(generated)), inFlightBytesFree: 1 << 20, sinks: [amqp('|')],
  },
  // ---- 500
  { name: 'sink-crash', about: 'a sink fails with an error that is not a SinkError', body: multiupdate(envelope(generated)), sinks: [amqp('-#', { fails: 'crash' })] },
  {
    name: 'client-aborted', about: 'the client goes away in the middle of the body: 499, as the HTTP edge counts it, nothing published',
    body: multiupdate(real.envelope), chunkSize: 4000, spread: true, aborted: true, sinks: [amqp('|')],
  },
  // ---- transforms (their options are handleRequest's; see marble-tests/transforms/ for each one's spec)
  {
    name: 'transform-filter-update', about: 'a filter drops the test VO: update with bundlesize = the 5 records received answers OK, only the 3 kept are published',
    body: update(replication([generated[0]!, testVo[0]!, generated[1]!, testVo[1]!, generated[2]!]), '5'), sinks: [amqp('-|')], options: transforms(dropTestVo),
  },
  {
    name: 'transform-filter-bundlesize-kept', about: 'bundlesize counts the records received: 3 (the records kept) for a bundle of 5 is a mismatch, nothing published',
    body: update(replication([generated[0]!, testVo[0]!, generated[1]!, testVo[1]!, generated[2]!]), '3'), sinks: [amqp('-|')], options: transforms(dropTestVo),
  },
  {
    name: 'transform-filter-all-dropped', about: 'a filter drops every record of a multiupdate: OK, nothing published, the handshake counted',
    body: multiupdate(envelope([probeDetails(), ...testVo])), sinks: [amqp('-|')], options: transforms(dropTestVo),
  },
  {
    name: 'transform-filter-bad-record', about: 'an invalid record fails the whole bundle even though the filter would drop it',
    body: multiupdate(envelope([generated[0]!, badRecord.replace('<VOName>osg</VOName>', '<VOName>test</VOName>')])), sinks: [amqp('-|')], options: transforms(dropTestVo),
  },
  {
    name: 'transform-set-lookup', about: 'set: the site from a mapping file by ProbeName, a constant, a template and a copied number; json changes, xml and raw stay byte for byte',
    body: multiupdate(envelope([probeDetails(), ...generated])), sinks: [amqp('-|'), kafka('--|'), file('-|')],
    options: transforms({
      type: 'set',
      remove: ['CommonName'],
      fields: {
        OIM_Site: { lookup: 'probe-sites.csv', key: '{ProbeName}', default: 'unknown' },
        Collector: 'gracc-collector-1',
        Probe: '{ProbeName}/{SiteName}',
        WallSeconds: '{WallDuration}',
      },
    }),
  },
  {
    name: 'transform-set-storage-counts', about: 'set and remove on a storage record: its 64-bit counts still written digit for digit',
    body: multiupdate(envelope([storage])), sinks: [amqp('|')],
    options: transforms({ type: 'set', fields: { Site: { lookup: 'probe-sites.csv', key: '{ProbeName}', default: 'unknown' } }, remove: ['Timestamp'] }),
  },
  {
    name: 'transform-rename', about: 'rename: VOName becomes VO and SiteName OIM_Site, in place',
    body: update(replication(generated), '3'), sinks: [amqp('|')], options: transforms({ type: 'rename', fields: { VOName: 'VO', SiteName: 'OIM_Site' } }),
  },
  {
    name: 'transform-chain', about: 'the guide\'s example in a chain: drop the test VO, then lowercase VOName (CMS → cms), then set a field from it',
    body: multiupdate(envelope([...ofVo('CMS', 2), testVo[0]!])), sinks: [amqp('|')],
    options: transforms(dropTestVo, { type: 'lowercase', fields: ['VOName'] }, { type: 'set', fields: { Project: 'vo:{VOName}' } }),
  },
  // ---- 408: a body that pauses too long, or trickles below the rate floor
  {
    name: 'slow-body-pause', about: 'the client stops sending mid-body: 408 after idleTimeout (5 frames), nothing published',
    body: multiupdate(real.envelope), chunkSize: 4000, spread: true, stalled: true, sinks: [amqp('|')], options: { idleTimeoutMs: 5 },
  },
  {
    name: 'slow-body-trickle', about: 'a body at 100 bytes a frame against a floor of 1,000 a frame: 408 after the first window, nothing published',
    body: multiupdate(real.envelope), chunkSize: 100, spread: true, sinks: [amqp('|')], options: { idleTimeoutMs: 5, minBodyRate: 1_000_000 },
  },
];
