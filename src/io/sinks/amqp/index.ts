import { defineSink } from '../sink-module';
import { createAmqpSink } from './amqp-sink';
import { amqpConfig, checkAmqpConfig, checkAmqpFiles } from './config';

export { AmqpSink, createAmqpSink } from './amqp-sink';
export { checkAmqpFiles } from './config';
export { type AmqpSinkOptions, amqpDisplayUrl, amqpUrl, checkAmqpSinkOptions } from './options';

/** RabbitMQ: publisher confirms, persistent and mandatory. */
export const amqpSink = defineSink({
  name: 'amqp',
  config: amqpConfig,
  withoutFile: { enable: false },
  check: checkAmqpConfig,
  checkFiles: checkAmqpFiles,
  create: ({ enable: _enable, retry, maxRetry, ...settings }, { closeTimeoutMs, log }) =>
    createAmqpSink({ ...settings, retryMs: retry, maxRetryMs: maxRetry, closeTimeoutMs, log: log.child({ sink: 'amqp' }) }),
});
