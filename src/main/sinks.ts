import type bunyan from 'bunyan';
import type { CollectorConfig } from '../config';
import { createAmqpSink } from '../io/sinks/amqp';
import { FileSink } from '../io/sinks/file/file-sink';
import { createKafkaSink } from '../io/sinks/kafka';
import type { Sink } from '../contracts/sink';

/** Every sink the configuration enables, connecting in the background. */
export function createSinks(config: CollectorConfig, log: bunyan): Sink[] {
  const sinks: Sink[] = [];
  const { amqp, kafka, file } = config;
  if (amqp.enable) {
    sinks.push(createAmqpSink({
      scheme: amqp.scheme, host: amqp.host, port: amqp.port, vhost: amqp.vhost, user: amqp.user, password: amqp.password,
      exchange: amqp.exchange, exchangeType: amqp.exchangeType, durable: amqp.durable, autoDelete: amqp.autoDelete,
      internal: amqp.internal, routingKey: amqp.routingKey, format: amqp.format, retryMs: amqp.retry, maxRetryMs: amqp.maxRetry,
      log: log.child({ sink: 'amqp' }),
    }));
  }
  if (kafka.enable) {
    sinks.push(createKafkaSink({
      brokers: kafka.brokers, topic: kafka.topic, format: kafka.format, clientId: kafka.clientId, compression: kafka.compression,
      ssl: kafka.ssl, sasl: kafka.sasl, timeoutMs: config.timeout, log: log.child({ sink: 'kafka' }),
    }));
  }
  if (file.enable) sinks.push(new FileSink({ path: file.path, format: file.format }));
  return sinks;
}
