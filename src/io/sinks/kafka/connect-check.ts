// `validate --connect` for [kafka]: the brokers' metadata through an admin client with the
// sink's own connection settings (TLS, SASL), the topic looked up, then disconnected.
import bunyan from 'bunyan';
import { Kafka, logLevel } from 'kafkajs';
import { withTimeout } from '../../deadline';
import type { SinkContext } from '../sink-module';
import type { KafkaConfig } from './config';
import { kafkaSettings } from './options';

export async function checkKafkaConnection({ enable: _enable, ...config }: KafkaConfig, { timeoutMs }: SinkContext): Promise<string> {
  const { probeClient } = kafkaSettings({ ...config, timeoutMs, log: bunyan.createLogger({ name: 'validate', streams: [] }) });
  const brokers = config.brokers.join(',');
  // The probe's client: one attempt, short timeouts; kafkajs' own log lines are not wanted here.
  const admin = new Kafka({ ...probeClient, logLevel: logLevel.NOTHING }).admin();
  const attempt = (async () => {
    await admin.connect();
    try {
      const cluster = await admin.describeCluster();
      const topics = await admin.listTopics();
      return { brokers: cluster.brokers.length, present: topics.includes(config.topic) };
    } finally {
      await admin.disconnect().catch(() => {});
    }
  })();
  let found: { brokers: number; present: boolean };
  try {
    found = await withTimeout(attempt, timeoutMs, `no answer within ${timeoutMs} ms`);
  } catch (e) {
    void admin.disconnect().catch(() => {});
    throw new Error(`${brokers}: ${e instanceof Error ? e.message : String(e)}`);
  }
  if (!found.present) throw new Error(`${brokers}: connected (${found.brokers} brokers), but topic ${JSON.stringify(config.topic)} does not exist`);
  return `${brokers}: connected (${found.brokers} brokers), topic ${JSON.stringify(config.topic)} present`;
}
