// CPU cost of writing mapped records as their json messages (recordJsonBytes), per record.
// Each round splits and maps the load afresh (not timed: the strings are then new, as in the
// collector), then times the writing of all its records by CPU time. With a second build's
// folder (`BASE=<other dist>`) its recordJsonBytes runs in the same rounds, alternating which
// goes first, checked first to give the same bytes.
// Usage: node dist/bench/json.js [ROUNDS=15]   (BASE=<other dist>: A/B against that build)
import { readFileSync } from 'node:fs';
import path from 'node:path';
import type { BundleItem, RecordItem } from '../src/records/bundle-item';
import type { GraccRecord } from '../src/records/gracc-record';
import { mapRecord } from '../src/records/map-record';
import { recordJsonBytes } from '../src/records/serialize-json';
import { XmlRecordReader } from '../src/records/xml-record-reader';
import { CAPTURE_FILE } from './loads';
import { modernRecords } from './modern-records';
import { envelopeOf, sampleRecords } from './sample-records';

const ROUNDS = Number(process.argv[2] ?? 15);
/** Records written in each timed stretch, at least. */
const PER_ROUND = 2000;

type Writer = (record: GraccRecord) => Buffer;
type Mapper = (item: RecordItem) => GraccRecord;
interface Build {
  readonly map: Mapper;
  readonly write: Writer;
}

/** The load's records split `times` over and mapped by `map` (each build maps its own: a 64-bit count is its own build's class). */
function mapped(xml: string, times: number, map: Mapper = mapRecord): GraccRecord[] {
  const records: GraccRecord[] = [];
  const reader = new XmlRecordReader((item: BundleItem) => {
    if (item.kind === 'record') records.push(map(item as RecordItem));
  });
  for (let t = 0; t < times; t++) {
    reader.restart(0);
    reader.write(xml);
    reader.end();
  }
  return records;
}

function captureXml(): string {
  const arg1 = new URLSearchParams(readFileSync(CAPTURE_FILE, 'latin1')).get('arg1');
  if (arg1 === null) throw new Error(`no arg1 in ${CAPTURE_FILE}`);
  return arg1;
}

/** CPU µs per record writing every record. */
function stretch(records: readonly GraccRecord[], write: Writer): number {
  let bytes = 0;
  const cpu0 = process.cpuUsage();
  for (const r of records) bytes += write(r).length;
  const cpu = process.cpuUsage(cpu0);
  if (bytes === 0) throw new Error('nothing written');
  return (cpu.user + cpu.system) / records.length;
}

const median = (xs: readonly number[]): number => [...xs].sort((a, b) => a - b)[xs.length >> 1]!;

function main(): void {
  const base = process.env['BASE'];
  const other: Build | undefined = base === undefined ? undefined : {
    map: (require(path.resolve(base, 'src', 'records', 'map-record.js')) as { mapRecord: Mapper }).mapRecord,
    write: (require(path.resolve(base, 'src', 'records', 'serialize-json.js')) as { recordJsonBytes: Writer }).recordJsonBytes,
  };
  const loads: [string, string][] = [
    ['modern', envelopeOf(modernRecords(PER_ROUND))],
    ['sample', envelopeOf(sampleRecords(PER_ROUND))],
    ['capture', captureXml()],
  ];
  console.log(`recordJsonBytes, CPU µs/record, median of ${ROUNDS} rounds, node ${process.version}${base ? `; A = ${base}, B = this build` : ''}`);
  const builds: Build[] = other ? [other, { map: mapRecord, write: recordJsonBytes }] : [{ map: mapRecord, write: recordJsonBytes }];
  for (const [name, xml] of loads) {
    const times = Math.ceil(PER_ROUND / mapped(xml, 1).length);
    if (other) {
      const theirs = mapped(xml, 1, other.map);
      mapped(xml, 1).forEach((r, i) => {
        if (!other.write(theirs[i]!).equals(recordJsonBytes(r))) throw new Error(`${name} record ${r.index}: the two builds write it differently`);
      });
    }
    for (let w = 0; w < 3; w++) for (const b of builds) stretch(mapped(xml, times, b.map), b.write); // warm-up
    const results: number[][] = builds.map(() => []);
    for (let r = 0; r < ROUNDS; r++) {
      const records = builds.map((b) => mapped(xml, times, b.map));
      const order = r % 2 === 0 ? builds.map((_, k) => k) : builds.map((_, k) => builds.length - 1 - k);
      for (const k of order) results[k]!.push(stretch(records[k]!, builds[k]!.write));
    }
    const [a, b] = results.map(median) as [number, number?];
    const records = mapped(xml, 1);
    const kB = records.reduce((n, r) => n + recordJsonBytes(r).length, 0) / records.length / 1000;
    const cells = b === undefined ? a.toFixed(2).padStart(6) : `A ${a.toFixed(2).padStart(6)}  B ${b.toFixed(2).padStart(6)}  B/A ${(b / a).toFixed(3)}`;
    console.log(`${name.padEnd(8)} ${cells}  (${records.length} records, messages of ${kB.toFixed(2)} kB)`);
  }
}

main();
