// The loads of the throughput bench: what the collector is sent, and what the bare publisher
// sends for the same records (the collector's own JSON messages, from its own converter).
//   sample   today's 15 real records of replication-15.bundle, cycled, re-numbered
//   modern   records shaped like a current HTCondor-CE probe's (bench/modern-records.ts)
//   capture  the request the gratia-probe library sent, byte for byte
//            (../shared/conformance/bundles/probe-library-multiupdate.form: its urlencoding,
//            its ProbeDetails handshake, its 99 records), posted as is
// sample and modern come in both payload forms (multiupdate envelope, update/replication);
// capture is a multiupdate request only.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { convertOk } from '../test/support/convert';
import { formBody } from './load';
import { modernRecords, seedOf } from './modern-records';
import { envelopeOf, replicationOf, sampleRecords, SHARED } from './sample-records';

export type Form = 'multiupdate' | 'update';
export type LoadName = 'sample' | 'modern' | 'capture';
export const LOAD_NAMES: readonly LoadName[] = ['sample', 'modern', 'capture'];

export interface Load {
  readonly name: LoadName;
  readonly form: Form;
  /** Records in each bundle (every body holds this many). */
  readonly recordsPerBundle: number;
  /** Request bodies, cycled through. */
  readonly bodies: readonly Buffer[];
  /** The bare publisher's batches: the collector's JSON message bodies of each bundle. */
  readonly batches: readonly (readonly Buffer[])[];
}

/** Distinct bundles of a generated load (each posted many times over). */
const DISTINCT_BUNDLES = 16;

export const CAPTURE_FILE = path.join(SHARED, 'conformance', 'bundles', 'probe-library-multiupdate.form');

/** The loads to run: sample and modern in each of `forms`, capture only with multiupdate. */
export function buildLoads(names: readonly LoadName[], forms: readonly Form[], records: number, tag: string): Load[] {
  const out: Load[] = [];
  for (const name of names) {
    for (const form of forms) {
      if (name === 'capture') {
        if (form === 'multiupdate') out.push(captureLoad());
      } else {
        out.push(generatedLoad(name, form, records, `${tag}-${name}-${form}`));
      }
    }
  }
  return out;
}

function generatedLoad(name: 'sample' | 'modern', form: Form, records: number, tag: string): Load {
  const texts = Array.from({ length: DISTINCT_BUNDLES }, (_, k) => {
    // modern: each bundle one probe run of its own (its CE and pid from the seed), numbered
    // on from the previous bundles: no two records of the load share an id.
    const recs = name === 'sample' ? sampleRecords(records, `${tag}-${k}`) : modernRecords(records, { seed: seedOf(`${tag}-${k}`), first: k * records });
    return form === 'multiupdate' ? envelopeOf(recs) : replicationOf(recs);
  });
  const bodies = texts.map((arg1) =>
    form === 'multiupdate'
      ? formBody({ command: 'multiupdate', from: 'bench-probe', arg1 })
      : formBody({ command: 'update', from: 'bench-collector', bundlesize: String(records), arg1 }));
  return { name, form, recordsPerBundle: records, bodies, batches: texts.map(jsonMessages) };
}

/**
 * The capture, posted unchanged every time: its 99 record ids repeat from one post to the
 * next, which the bench does not mind (it counts the messages that reach the queue; neither
 * the collector nor the broker looks at ids).
 */
function captureLoad(): Load {
  const body = readFileSync(CAPTURE_FILE);
  const arg1 = new URLSearchParams(body.toString('latin1')).get('arg1');
  if (arg1 === null) throw new Error(`${CAPTURE_FILE}: no arg1 field`);
  const batch = jsonMessages(arg1);
  return { name: 'capture', form: 'multiupdate', recordsPerBundle: batch.length, bodies: [body], batches: [batch] };
}

const jsonMessages = (bundle: string): Buffer[] => convertOk([bundle]).map((s) => Buffer.from(s));
