// `convert -c`: what each sink the configuration enables would be handed for a bundle.
import { mergeMap, type OperatorFunction } from 'rxjs';
import { messageFor } from '../operators/format';
import { asLine } from '../records/formats';
import { bundleEntries, recordsOf } from '../streams/bundle-records';
import { buildTransformChain } from '../transforms/chain';
import type { CollectorConfig } from './config';
import { sinkEncoders } from './sinks';

/**
 * Bundle chunks → through the configuration's [[transforms]], one JSON line per record per
 * enabled sink (records in order, sinks in the
 * registry's order), once the whole bundle is valid: the sink's name, where the record goes
 * (`routingKey`; `topic` and `key`), the content type and the body (a JSON record as the
 * object itself, digit for digit; XML as a string):
 * `{"sink":"amqp","routingKey":"JobUsageRecord.cms","contentType":"application/json","body":{…}}`.
 */
export function sinkPreviews(config: CollectorConfig): OperatorFunction<Uint8Array | string, string> {
  const sinks = sinkEncoders(config);
  const outlets = sinks.map((s) => s.encoder);
  const transforms = buildTransformChain(config.transforms);
  return (chunks$) =>
    recordsOf(chunks$.pipe(bundleEntries(outlets, transforms))).pipe(
      mergeMap((record) =>
        sinks.map(({ name, encoder }, position) => {
          const message = messageFor(record, encoder.format, position);
          const head = JSON.stringify({ sink: name, ...encoder.where(message), contentType: message.contentType });
          return `${head.slice(0, -1)},"body":${asLine(message.body.toString(), encoder.format)}}`;
        })),
    );
}
