import type { MonoTypeOperatorFunction } from 'rxjs';
import type { GraccRecord } from '../records/gracc-record';
import type { TableKeys } from './table-keys';

/**
 * A transform: an RxJS operator over a bundle's mapped records, between flatten and format
 * (handshakes go around it). It may drop records (a filter), change them (a new record with
 * other fields: records are values, never changed in place), or hold them back; it sees the
 * GRACC fields, the record's raw text (`raw`, what the xml and raw formats write) and its type.
 */
export type Transform = MonoTypeOperatorFunction<GraccRecord>;

/** Counts a transform reports, shown in /metrics by the transform's name. */
export interface TransformTally {
  /** Records the transform dropped. */
  dropped(count?: number): void;
  /** Records the transform changed. */
  changed(count?: number): void;
}

/** What a transform is built with besides its own settings. */
export interface TransformContext {
  /** Its `name` (default `<type>#<position>`, counted from 1). */
  readonly name: string;
  readonly tally: TransformTally;
}

/** Where a transform's table is read: for the files its keys name. */
export interface ReadContext {
  /** The folder a relative file name is taken from: the config file's. */
  readonly baseDir: string;
}

/**
 * A kind of transform, as `type = "<type>"` names it in a `[[transforms]]` table. `read`
 * checks the table's keys and turns them into the settings `build` makes the operator from;
 * every problem is reported through `keys`, naming the key, and stops start-up. Settings are
 * plain data (JSON: no functions, RegExps or Maps), read once: a cluster's primary reads the
 * configuration, files included, and hands it to its workers. `build` compiles them (what
 * `read` checked cannot fail then). Listed, one line each, in registry.ts.
 */
export interface TransformType<S = unknown> {
  readonly type: string;
  /** One line for `gracc-collector --help`-like listings and error messages. */
  readonly about: string;
  /** The table's own keys (besides `type` and `name`): read, checked, compiled. Undefined when a key was bad (reported). */
  read(keys: TableKeys, context: ReadContext): S | undefined;
  build(settings: S, context: TransformContext): Transform;
}

/** Declares a transform type, keeping its settings' type. */
export function defineTransform<S>(type: TransformType<S>): TransformType<S> {
  return type;
}

/** A tally that counts nothing (tests, convert). */
export const UNCOUNTED: TransformTally = { dropped: () => {}, changed: () => {} };
