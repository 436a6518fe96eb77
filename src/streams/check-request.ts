import { isHandshake, isRecord } from '../operators/flatten';
import type { FormattedEntry, FormattedRecord } from '../operators/format';
import { isReceivedCount } from '../operators/transform-records';
import { RequestError } from '../contracts/request-errors';

const COMMANDS = new Set(['update', 'multiupdate', 'urlencodedupdate']);
const NEEDS_FROM = new Set(['update', 'multiupdate']);

/** The fields a request is checked by (the payload, `arg1`, too): no others are kept, however many are sent. */
export const FIELDS_READ: ReadonlySet<string> = new Set(['command', 'arg1', 'from', 'bundlesize']);

/** The request's fields other than the payload; `arg1` is present (as '') when it was sent. */
export type RequestFields = Readonly<Record<string, string>>;

/** What a bundle holds once checked: the records to publish, and how many handshakes came with them. */
export interface CheckedBundle {
  readonly command: string;
  /** The records to publish: those the transforms kept. */
  readonly records: readonly FormattedRecord[];
  /** The records as received, before any transform. */
  readonly received: number;
  readonly handshakes: number;
  readonly ping: boolean;
}

/**
 * Checks a request against the Gratia protocol once its body has been read: the command
 * first (so an unknown command is named as such whatever its payload), then the payload,
 * then the sender and the bundle size, which counts the records as received (a transformed
 * bundle's last entry says how many). Throws a RequestError or the payload's RecordError.
 */
export function checkRequest(fields: RequestFields, entries: readonly FormattedEntry[] | Error): CheckedBundle {
  const given = fields['command'];
  if (given === undefined || given === '') throw new RequestError('missing field: command');
  const command = given.toLowerCase();
  if (!COMMANDS.has(command)) throw new RequestError(`Unknown Command: ${given}`);
  if (fields['arg1'] === undefined) throw new RequestError('missing field: arg1');
  if (entries instanceof Error) throw entries;

  const records = entries.filter(isRecord<FormattedRecord, Exclude<FormattedEntry, FormattedRecord>>);
  const last = entries.at(-1);
  const received = last !== undefined && isReceivedCount(last) ? last.records : records.length;
  const handshakes = entries.filter(isHandshake);
  const ping = received === 0 && handshakes.length === 1 && handshakes[0]!.ping === true;
  if (ping) return { command, records: [], received, handshakes: 1, ping };

  if (NEEDS_FROM.has(command) && !fields['from']) throw new RequestError('missing field: from');
  if (command === 'update') {
    const size = fields['bundlesize'];
    if (size === undefined || size === '') throw new RequestError('missing field: bundlesize');
    if (!/^\s*\d+\s*$/.test(size)) throw new RequestError(`bundlesize is not a number: ${JSON.stringify(size)}`);
    if (Number(size) !== received) {
      throw new RequestError(`bundlesize is ${Number(size)} but the bundle holds ${received} record${received === 1 ? '' : 's'}`);
    }
  }
  return { command, records, received, handshakes: handshakes.length, ping };
}
