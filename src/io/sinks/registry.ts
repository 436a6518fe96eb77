// Every sink the collector has, one line each: configuration loading, the sample file's test
// and sink creation all go through this list. A new sink is a folder beside these and a line here.
import { amqpSink } from './amqp';
import { fileSink } from './file';
import { kafkaSink } from './kafka';

export const SINKS = [
  amqpSink,
  kafkaSink,
  fileSink,
] as const;
