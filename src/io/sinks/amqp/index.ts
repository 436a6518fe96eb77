import { defineSink } from '../sink-module';
import { createAmqpSink } from './amqp-sink';
import { amqpConfig, checkAmqpConfig } from './config';
import { checkAmqpConnection } from './connect-check';
import { amqpEncoder } from './encoder';

export { AmqpSink, createAmqpSink } from './amqp-sink';
export { amqpEncoder } from './encoder';
export { type AmqpSinkOptions, amqpDisplayUrl, amqpUrl, checkAmqpSinkOptions } from './options';

/** RabbitMQ: publisher confirms, persistent and mandatory. */
export const amqpSink = defineSink({
  name: 'amqp',
  config: amqpConfig,
  withoutFile: { enable: false },
  check: checkAmqpConfig,
  connect: checkAmqpConnection,
  encoder: amqpEncoder,
  create: ({ enable: _enable, retry, maxRetry, ...settings }, { closeTimeoutMs, log, metrics }) =>
    createAmqpSink({ ...settings, retryMs: retry, maxRetryMs: maxRetry, closeTimeoutMs, metrics, log: log.child({ sink: 'amqp' }) }),
});
