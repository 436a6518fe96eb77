import { SaxesParser } from 'saxes';
// Gratia bundles for integration tests: the real ones of ../shared/conformance/bundles/, the
// conformance corpus, and generated records; the request fields probes and collectors send.
import { readFileSync } from 'node:fs';
import path from 'node:path';

export const SHARED = path.resolve(__dirname, '../../../../shared/conformance');

export function readShared(name: string): string {
  return readFileSync(path.join(SHARED, name), 'utf8');
}

/** The real probe envelope (11 records) and replication bundle (15 records). */
export const realBundles = () => ({
  envelope: readShared('bundles/multiupdate-envelope.xml'),
  replication: readShared('bundles/replication-15.bundle'),
});

/** One line of the conformance corpus: a record and its expected GRACC JSON (without RawXML), or null when it must be rejected. */
export interface CorpusCase {
  readonly kind: string;
  readonly xml: string;
  readonly expected: Record<string, unknown> | null;
}

export const corpus = (): CorpusCase[] =>
  readShared('records.jsonl').split('\n').filter((l) => l.trim() !== '').map((l) => parseJsonExact(l) as unknown as CorpusCase);

/** A `<RecordEnvelope>` document holding these records (and handshakes), as probes send with multiupdate. */
export function envelope(xmls: readonly string[]): string {
  return '<?xml version="1.0" encoding="UTF-8"?>\n<RecordEnvelope>\n' + xmls.join('\n') + '\n</RecordEnvelope>\n';
}

/** A replication bundle `replication|<record>|<raw>|<extra>|…`, as collectors send with update. */
export function replication(xmls: readonly string[]): string {
  return xmls.map((x) => `replication|${x}|${x}|null|`).join('');
}

/** The record texts of a replication bundle (the part after each `replication` token; no `|` inside them). */
export function replicationRecords(bundle: string): string[] {
  const parts = bundle.split('|');
  const out: string[] = [];
  for (let i = 0; i < parts.length - 1; i++) if (parts[i] === 'replication' && parts[i + 1] !== '') out.push(parts[i + 1]!);
  return out;
}

/** The record texts of an envelope whose records hold no element of their own type. */
export function envelopeRecords(doc: string): string[] {
  return [...doc.matchAll(/<(JobUsageRecord|UsageRecord|StorageElementRecord|StorageElement)\b[\s\S]*?<\/\1>/g)].map((m) => m[0]);
}

export interface GeneratedRecord {
  readonly id: string;
  readonly xml: string;
  /** Part of its GRACC JSON, worked out here independently of the collector. */
  readonly expected: Record<string, unknown>;
}

/**
 * A JobUsageRecord with recordId `id`, a little non-ASCII text and `padding` more bytes;
 * `n` varies its durations.
 */
export function jobRecord(id: string, n = 1, padding = 0): GeneratedRecord {
  const xml =
    `<JobUsageRecord xmlns="http://www.gridforum.org/2003/ur-wg" xmlns:urwg="http://www.gridforum.org/2003/ur-wg">` +
    `<RecordIdentity urwg:recordId="${id}" urwg:createTime="2024-05-06T07:08:09Z"/>` +
    `<JobIdentity><GlobalJobId>job#${id}</GlobalJobId><LocalJobId>${n}</LocalJobId></JobIdentity>` +
    `<UserIdentity><LocalUserId>u${n}</LocalUserId><VOName>osg</VOName><CommonName>/CN=Zoë Müller &amp; co</CommonName></UserIdentity>` +
    `<WallDuration>PT${n}M</WallDuration>` +
    `<CpuDuration urwg:usageType="user">PT${n}S</CpuDuration><CpuDuration urwg:usageType="system">PT1S</CpuDuration>` +
    `<StartTime>2024-05-06T06:00:00Z</StartTime><EndTime>2024-05-06T07:00:00+02:00</EndTime>` +
    `<SiteName>SITE-${n % 7}</SiteName><ProbeName>condor:ce.example.org</ProbeName>` +
    (padding > 0 ? `<Note>${'x'.repeat(padding)}</Note>` : '') +
    `<Resource urwg:description="ResourceType">BatchPilot</Resource>` +
    `</JobUsageRecord>`;
  return {
    id,
    xml,
    expected: {
      type: 'JobUsageRecord',
      RecordId: id,
      CreateTime: '2024-05-06T07:08:09Z',
      GlobalJobId: `job#${id}`,
      LocalJobId: String(n),
      LocalUserId: `u${n}`,
      VOName: 'osg',
      CommonName: '/CN=Zoë Müller & co',
      WallDuration: n * 60,
      CpuDuration: n + 1,
      CpuDuration_user: n,
      CpuDuration_system: 1,
      StartTime: '2024-05-06T06:00:00Z',
      EndTime: '2024-05-06T07:00:00+02:00',
      SiteName: `SITE-${n % 7}`,
      ResourceType: 'Payload',
      RawXML: xml,
    },
  };
}

/** `count` generated records whose ids start with `prefix`. */
export function jobRecords(prefix: string, count: number, padding = 0): GeneratedRecord[] {
  return Array.from({ length: count }, (_, i) => jobRecord(`${prefix}-${i}`, i + 1, padding));
}

/** A ProbeDetails handshake, as Gratia probes put at the head of an envelope. */
export function probeDetails(probe = 'condor:ce.example.org'): string {
  return (
    `<ProbeDetails xmlns:urwg="http://www.gridforum.org/2003/ur-wg">\n` +
    `<urwg:ProbeName>${probe}</urwg:ProbeName>\n<urwg:SiteName>SITE</urwg:SiteName>\n<urwg:Grid>OSG</urwg:Grid>\n` +
    `<urwg:ReporterLibrary urwg:version="2.3.1">Gratia</urwg:ReporterLibrary>\n` +
    `<urwg:Service urwg:version="8.8.1">Condor</urwg:Service>\n</ProbeDetails>`
  );
}

/** The form a probe sends: `command=multiupdate` with an envelope. */
export function multiupdate(xmls: readonly string[], from = 'it-probe'): Record<string, string> {
  return { command: 'multiupdate', from, arg1: envelope(xmls), xmlfiles: '0', tarfiles: '0', maxpendingfiles: '0', backlog: '0' };
}

/** The form a replicating collector sends: `command=update` with a replication bundle and its size. */
export function update(xmls: readonly string[], from = 'it-collector'): Record<string, string> {
  return { command: 'update', from, bundlesize: String(xmls.length), arg1: replication(xmls) };
}

/** The ping probes send. */
export const PING: Readonly<Record<string, string>> = { command: 'update', arg1: 'xxx' };

/** Checks a GRACC JSON record against expected values the way ../shared/conformance/check does; returns what is wrong, or null. */
export function compareGracc(got: Record<string, unknown>, expected: Record<string, unknown>, rawXml?: string, exact = true): string | null {
  for (const [k, v] of Object.entries(expected)) {
    if (!(k in got)) return `missing key ${k} (expected ${JSON.stringify(v)})`;
    if (!sameValue(got[k], v)) return `key ${k}: expected ${JSON.stringify(v)}, got ${JSON.stringify(got[k])}`;
  }
  if (exact) {
    const extra = Object.keys(got).filter((k) => !(k in expected) && k !== 'RawXML');
    if (extra.length > 0) return `unexpected keys ${extra.join(', ')}`;
  }
  if (rawXml !== undefined && got['RawXML'] !== rawXml) return 'RawXML is not the record text exactly as sent';
  return null;
}

function sameValue(a: unknown, b: unknown): boolean {
  if (typeof a === 'bigint' || typeof b === 'bigint') return typeof a === typeof b && a === b;
  if (typeof a === 'number' && typeof b === 'number') {
    if (Number.isInteger(a) && Number.isInteger(b)) return a === b;
    return Math.abs(a - b) <= 1e-6 * Math.max(1, Math.abs(a), Math.abs(b));
  }
  return a === b;
}

/**
 * JSON.parse, but integers outside ±2^53 come out as BigInt, digit for digit (Node 20's
 * JSON.parse has no access to the source text of numbers).
 */
export function parseJsonExact(text: string): Record<string, unknown> {
  let out = '';
  let i = 0;
  while (i < text.length) {
    const c = text[i]!;
    if (c === '"') {
      let j = i + 1;
      while (text[j] !== '"') j += text[j] === '\\' ? 2 : 1;
      out += text.slice(i, j + 1);
      i = j + 1;
    } else if (c === '-' || (c >= '0' && c <= '9')) {
      const m = /^-?\d+(\.\d+)?([eE][+-]?\d+)?/.exec(text.slice(i, i + 400))!;
      const literal = m[0];
      const big = m[1] === undefined && m[2] === undefined && !Number.isSafeInteger(Number(literal));
      out += big ? `{"$bigint":"${literal}"}` : literal;
      i += literal.length;
    } else {
      out += c;
      i++;
    }
  }
  return JSON.parse(out, (_k, v: unknown) =>
    v !== null && typeof v === 'object' && '$bigint' in v ? BigInt((v as { $bigint: string }).$bigint) : v) as Record<string, unknown>;
}

/** The top element's local name of an XML document, which must be well-formed with its namespaces declared. */
export function rootOfXml(doc: string): string {
  const parser = new SaxesParser({ xmlns: true });
  let root: string | undefined;
  parser.on('opentag', (tag) => (root ??= tag.local));
  parser.on('error', (e) => {
    throw e;
  });
  parser.write(doc).close();
  return root ?? '';
}
