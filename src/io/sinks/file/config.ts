// The [file] table.
import { bool, type ConfigOf, recordFormat, string } from '../../../config';

export const fileConfig = {
  enable: bool(false, 'append records to a file'),
  path: string('gracc-records.ndjson', 'file to append to'),
  format: recordFormat(),
};

export type FileConfig = ConfigOf<typeof fileConfig>;
