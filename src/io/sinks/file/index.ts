import { defineSink } from '../sink-module';
import { checkFileConfig } from './check';
import { fileConfig } from './config';
import { FileSink } from './file-sink';

export { FileSink, type FileSinkOptions } from './file-sink';

/** A file, one record a line, fsynced before a bundle is confirmed. */
export const fileSink = defineSink({
  name: 'file',
  config: fileConfig,
  withoutFile: { enable: true },
  check: checkFileConfig,
  create: ({ enable: _enable, ...settings }, { closeTimeoutMs }) => new FileSink({ ...settings, closeTimeoutMs }),
});
