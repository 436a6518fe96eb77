// CPU cost of mapping split records to their GRACC fields, on one core: the records are split
// once, then mapped over and over. With a second build's folder (`BASE=/tmp/base-dist`), its
// mapRecord runs on the same split records in alternating rounds, checked to give the same
// fields in the same order, and the medians are compared.
// Usage: node dist/bench/map.js [ROUNDS=15]   (BASE=<other dist>: A/B against that build)
import { readFileSync } from 'node:fs';
import path from 'node:path';
import type { BundleItem, RecordItem } from '../src/records/bundle-item';
import type { GraccRecord } from '../src/records/gracc-record';
import { mapRecord } from '../src/records/map-record';
import { XmlRecordReader } from '../src/records/xml-record-reader';
import { CAPTURE_FILE } from './loads';
import { modernRecords } from './modern-records';
import { envelopeOf, sampleRecords } from './sample-records';

const ROUNDS = Number(process.argv[2] ?? 15);
/** Mapped records per timed stretch (a stretch maps the load's records over and over). */
const PER_ROUND = 40_000;

type Mapper = (item: RecordItem) => GraccRecord;

function split(xml: string): RecordItem[] {
  const items: BundleItem[] = [];
  const reader = new XmlRecordReader((item) => items.push(item));
  reader.write(xml);
  reader.end();
  return items.filter((i): i is RecordItem => i.kind === 'record');
}

function captureXml(): string {
  const arg1 = new URLSearchParams(readFileSync(CAPTURE_FILE, 'latin1')).get('arg1');
  if (arg1 === null) throw new Error(`no arg1 in ${CAPTURE_FILE}`);
  return arg1;
}

/** CPU µs per mapped record over one stretch. */
function stretch(map: Mapper, items: readonly RecordItem[]): number {
  const passes = Math.ceil(PER_ROUND / items.length);
  let keys = 0;
  const cpu0 = process.cpuUsage();
  for (let p = 0; p < passes; p++) for (const item of items) keys += map(item).type.length;
  const cpu = process.cpuUsage(cpu0);
  if (keys === 0) throw new Error('nothing mapped');
  return (cpu.user + cpu.system) / (passes * items.length);
}

const median = (xs: readonly number[]): number => [...xs].sort((a, b) => a - b)[xs.length >> 1]!;

/** The fields as JSON with their key order, numbers and 64-bit counts told apart. */
function shape(r: GraccRecord): string {
  return JSON.stringify(Object.entries(r.fields).map(([k, v]) => [k, typeof v, typeof v === 'object' ? v.digits : v]));
}

function main(): void {
  const base = process.env['BASE'];
  const other: Mapper | undefined = base === undefined ? undefined
    : (require(path.resolve(base, 'src', 'records', 'map-record.js')) as { mapRecord: Mapper }).mapRecord;
  const loads: [string, RecordItem[]][] = [
    ['modern', split(envelopeOf(modernRecords(2000)))],
    ['sample', split(envelopeOf(sampleRecords(2000)))],
    ['capture', split(captureXml())],
  ];
  console.log(`mapRecord, CPU µs/record, median of ${ROUNDS} rounds, node ${process.version}${base ? `; A = ${base}, B = this build` : ''}`);
  for (const [name, items] of loads) {
    if (other) {
      for (const item of items) {
        if (shape(other(item)) !== shape(mapRecord(item))) throw new Error(`${name} record ${item.index}: the two builds map it differently`);
      }
    }
    for (let w = 0; w < 3; w++) { // warm-up
      stretch(mapRecord, items);
      if (other) stretch(other, items);
    }
    const a: number[] = [];
    const b: number[] = [];
    for (let r = 0; r < ROUNDS; r++) {
      if (other) a.push(stretch(other, items));
      b.push(stretch(mapRecord, items));
    }
    const kB = items.reduce((n, i) => n + i.raw.length, 0) / items.length / 1000;
    const mb = median(b);
    if (other) {
      const ma = median(a);
      console.log(`${name.padEnd(8)} A ${ma.toFixed(2).padStart(6)}  B ${mb.toFixed(2).padStart(6)}  B/A ${(mb / ma).toFixed(3)}  (${items.length} records of ${kB.toFixed(2)} kB)`);
    } else {
      console.log(`${name.padEnd(8)} ${mb.toFixed(2).padStart(6)}  (${items.length} records of ${kB.toFixed(2)} kB)`);
    }
  }
}

main();
