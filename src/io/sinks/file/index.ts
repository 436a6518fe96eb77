import { defineSink } from '../sink-module';
import { checkFileConfig } from './check';
import { fileConfig } from './config';

/**
 * A file, one record a line, fsynced before a bundle is confirmed. The sink (rxjs) is
 * required when one is made: the cluster's primary loads this registration and makes none.
 */
export const fileSink = defineSink({
  name: 'file',
  config: fileConfig,
  withoutFile: { enable: true },
  check: checkFileConfig,
  create: ({ enable: _enable, ...settings }, { closeTimeoutMs }) => {
    const { FileSink } = require('./file-sink') as typeof import('./file-sink');
    return new FileSink({ ...settings, closeTimeoutMs });
  },
});
