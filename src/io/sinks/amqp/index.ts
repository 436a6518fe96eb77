import { defineSink } from '../sink-module';
import { amqpConfig, checkAmqpConfig } from './config';
import { amqpEncoder } from './encoder';

export { amqpEncoder } from './encoder';

/**
 * RabbitMQ: publisher confirms, persistent and mandatory. The sink and its connection check
 * (amqplib, amqp-connection-manager, rxjs) are required when first used: every configuration
 * load goes through this registration, the cluster's primary's too, which makes no sink.
 */
export const amqpSink = defineSink({
  name: 'amqp',
  config: amqpConfig,
  withoutFile: { enable: false },
  check: checkAmqpConfig,
  connect: (config, context) => (require('./connect-check') as typeof import('./connect-check')).checkAmqpConnection(config, context),
  encoder: amqpEncoder,
  create: ({ enable: _enable, retry, maxRetry, ...settings }, { closeTimeoutMs, log, metrics }) =>
    (require('./amqp-sink') as typeof import('./amqp-sink')).createAmqpSink(
      { ...settings, retryMs: retry, maxRetryMs: maxRetry, closeTimeoutMs, metrics, log: log.child({ sink: 'amqp' }) }),
});
