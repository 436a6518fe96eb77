export { AmqpSink, createAmqpSink } from './amqp-sink';
export { type AmqpSinkOptions, amqpDisplayUrl, amqpUrl, checkAmqpSinkOptions } from './options';
