// Cost of mapping split records to their GRACC fields, on one core. As in the collector,
// each record is mapped as soon as it is split, while its tree is new (a tree mapped again
// would find its strings' hashes computed and its names already made property names) and in
// the CPU's caches. Splitting costs several times the mapping, so only the mapping calls are
// timed, each by the clock (a call is some µs; one that took over OUTLIER_MS was preempted
// and is left out, and counted). With a second build's folder (`BASE=/tmp/base-dist`) its
// mapRecord runs in the same rounds, alternating, checked first to give the same fields in
// the same order. Also measured, by CPU time: the same split records mapped over and over
// ("again"), which flatters any mapping that leans on string hashes and property names.
// Usage: node --expose-gc dist/bench/map.js [ROUNDS=15]   (BASE=<other dist>: A/B against that build)
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
/** Records split in each timed stretch, at least (the load's bundle split as many times as it takes). */
const PER_ROUND = 2000;

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

const gc = (globalThis as { gc?: () => void }).gc ?? (() => {});

/** A mapping call longer than this was preempted (the machine is shared): left out. */
const OUTLIER_MS = 0.5;
let outliers = 0;

/** µs per record mapping each record as it is split, the load split `times` times. */
function stretch(xml: string, times: number, map: Mapper): number {
  gc();
  let records = 0;
  let ms = 0;
  const reader = new XmlRecordReader((item) => {
    if (item.kind !== 'record') return;
    const t0 = performance.now();
    map(item);
    const t = performance.now() - t0;
    if (t > OUTLIER_MS) outliers++;
    else {
      ms += t;
      records++;
    }
  });
  for (let t = 0; t < times; t++) {
    reader.restart(0);
    reader.write(xml);
    reader.end();
  }
  return (ms * 1000) / records;
}

/** CPU µs per record mapping records split once, over and over. */
function again(items: readonly RecordItem[], map: Mapper): number {
  const passes = Math.ceil((10 * PER_ROUND) / items.length);
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
  const loads: [string, string][] = [
    ['modern', envelopeOf(modernRecords(PER_ROUND))],
    ['sample', envelopeOf(sampleRecords(PER_ROUND))],
    ['capture', captureXml()],
  ];
  console.log(`mapRecord, µs/record, median of ${ROUNDS} rounds, node ${process.version}${base ? `; A = ${base}, B = this build` : ''}`);
  for (const [name, xml] of loads) {
    const items = split(xml);
    if (other) {
      for (const item of split(xml)) {
        if (shape(other(item)) !== shape(mapRecord(item))) throw new Error(`${name} record ${item.index}: the two builds map it differently`);
      }
    }
    const times = Math.ceil(PER_ROUND / items.length);
    const mappers = other ? [other, mapRecord] : [mapRecord];
    for (let w = 0; w < 3; w++) for (const m of mappers) stretch(xml, times, m); // warm-up
    outliers = 0;
    const mapped: number[][] = mappers.map(() => []);
    const remapped: number[][] = mappers.map(() => []);
    const ownItems = mappers.map(() => split(xml)); // "again" mapping leaves its marks on the strings: a set each
    for (let r = 0; r < ROUNDS; r++) {
      // Which goes first changes each round: the order alone made a build 10-20 % faster.
      const order = r % 2 === 0 ? mappers.map((_, k) => k) : mappers.map((_, k) => mappers.length - 1 - k);
      for (const k of order) mapped[k]!.push(stretch(xml, times, mappers[k]!));
      for (const k of order) remapped[k]!.push(again(ownItems[k]!, mappers[k]!));
    }
    const [ma, mb] = mapped.map(median) as [number, number?];
    const [ra, rb] = remapped.map(median) as [number, number?];
    const kB = items.reduce((n, i) => n + i.raw.length, 0) / items.length / 1000;
    const of = `(${items.length} records of ${kB.toFixed(2)} kB; ${outliers} calls over ${OUTLIER_MS} ms left out)`;
    const cells = (x: number, y: number | undefined): string =>
      y === undefined ? x.toFixed(2).padStart(6) : `A ${x.toFixed(2).padStart(6)}  B ${y.toFixed(2).padStart(6)}  B/A ${(y / x).toFixed(3)}`;
    console.log(`${name.padEnd(8)} fresh ${cells(ma, mb)} | again (CPU) ${cells(ra, rb)}  ${of}`);
  }
}

main();
