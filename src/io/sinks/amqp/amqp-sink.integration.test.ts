// Integration tests of the AMQP sink against the real RabbitMQ of scripts/services.sh
// (127.0.0.1:5672, guest/guest). Some tests raise a memory alarm or stop the broker's app
// with rabbitmqctl, briefly, and always restore it.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import net from 'node:net';
import { after, before, describe, it } from 'node:test';
import amqplib, { type Channel, type ChannelModel, type GetMessage } from 'amqplib';
import bunyan from 'bunyan';
import { filter, firstValueFrom, lastValueFrom, timeout, toArray } from 'rxjs';
import { type AmqpSink, createAmqpSink } from './amqp-sink';
import { type AmqpSinkOptions, amqpDisplayUrl, amqpUrl } from './options';
import { type OutboundMessage, SinkError } from '../../../contracts/sink';
import { ensureRabbit } from '../../../../test/support/rabbit';
import { messageBundle, publish, publishFailure } from '../../../../test/support/sink-messages';

const URL = 'amqp://guest:guest@127.0.0.1:5672';

const log = bunyan.createLogger({
  name: 'amqp-sink-test',
  level: (process.env.TEST_LOG_LEVEL as bunyan.LogLevel | undefined) ?? 'fatal',
  serializers: bunyan.stdSerializers,
});


function rabbitmqctl(...args: string[]): void {
  execFileSync('rabbitmqctl', args, { stdio: ['ignore', 'ignore', 'inherit'], timeout: 120_000 });
}

const PUBLISH_PATHS: { name: string; options: Partial<AmqpSinkOptions> }[] = [
  { name: 'own frames', options: {} },
  { name: "amqplib's publish", options: { amqplibPublish: true } },
];

const uniqueName = () => `gracc-test-${randomUUID()}`;

function sinkOptions(exchange: string, extra: Partial<AmqpSinkOptions> = {}): AmqpSinkOptions {
  return {
    scheme: 'amqp',
    host: '127.0.0.1',
    port: 5672,
    vhost: '',
    user: 'guest',
    password: 'guest',
    exchange,
    exchangeType: 'direct',
    durable: false,
    autoDelete: true,
    internal: false,
    routingKey: 'gracc.osg.raw',
    format: 'json',
    retryMs: 200,
    maxRetryMs: 2000,
    log,
    ...extra,
  };
}


const waitUnavailable = (sink: AmqpSink, test: (reason: string | null) => boolean, ms: number): Promise<string | null> =>
  firstValueFrom(sink.unavailable$.pipe(filter(test), timeout(ms)));

const waitAvailable = (sink: AmqpSink, ms = 10_000) => waitUnavailable(sink, (r) => r === null, ms);

/** A queue bound to the exchange with the routing key, read back with basic.get. */
async function bindQueue(channel: Channel, exchange: string, routingKey: string, args: Record<string, unknown> = {}): Promise<string> {
  const { queue } = await channel.assertQueue('', { exclusive: true, durable: false, arguments: args });
  await channel.bindQueue(queue, exchange, routingKey);
  return queue;
}

async function getAll(channel: Channel, queue: string, n: number, ms = 10_000): Promise<GetMessage[]> {
  const out: GetMessage[] = [];
  const deadline = Date.now() + ms;
  while (out.length < n && Date.now() < deadline) {
    const m = await channel.get(queue, { noAck: true });
    if (m) out.push(m);
    else await new Promise((r) => setTimeout(r, 20));
  }
  return out;
}

/**
 * A TCP proxy to the broker that the tests can misdirect: stall the broker's replies, drop
 * every connection, refuse new ones (accept and close at once), and count connect attempts.
 * Only the sink's own connection goes through it; other users of the broker are unaffected.
 */
class TcpProxy {
  private readonly server = net.createServer((client) => this.onClient(client));
  private readonly pairs = new Set<[net.Socket, net.Socket]>();
  /** When each connection (attempt) came, ms since the epoch. */
  readonly attempts: number[] = [];
  refuse = false;

  listen(): Promise<number> {
    return new Promise((resolve) => this.server.listen(0, '127.0.0.1', () => resolve((this.server.address() as net.AddressInfo).port)));
  }

  private onClient(client: net.Socket): void {
    this.attempts.push(Date.now());
    if (this.refuse) {
      client.destroy();
      return;
    }
    const upstream = net.connect(5672, '127.0.0.1');
    const pair: [net.Socket, net.Socket] = [client, upstream];
    this.pairs.add(pair);
    const end = () => {
      client.destroy();
      upstream.destroy();
      this.pairs.delete(pair);
    };
    client.on('error', end).on('close', end);
    upstream.on('error', end).on('close', end);
    client.pipe(upstream);
    upstream.pipe(client);
  }

  /** The broker's bytes stop reaching the clients (the clients' still reach the broker). */
  stallReplies(): void {
    for (const [client, upstream] of this.pairs) {
      upstream.unpipe(client);
      upstream.pause();
    }
  }

  dropAll(): void {
    for (const [client, upstream] of this.pairs) {
      client.destroy();
      upstream.destroy();
    }
    this.pairs.clear();
  }

  close(): Promise<void> {
    this.dropAll();
    return new Promise((resolve) => this.server.close(() => resolve()));
  }
}

describe('amqp sink (RabbitMQ on 127.0.0.1:5672)', { timeout: 180_000 }, () => {
  let admin: ChannelModel;
  let channel: Channel;
  const sinks: AmqpSink[] = [];

  const newSink = async (options: AmqpSinkOptions): Promise<AmqpSink> => {
    const sink = createAmqpSink(options);
    sinks.push(sink);
    await waitAvailable(sink);
    return sink;
  };

  const reopenAdmin = async () => {
    admin = await amqplib.connect(URL);
    admin.on('error', () => {});
    channel = await admin.createChannel();
    channel.on('error', () => {});
  };

  before(async () => {
    ensureRabbit();
    await reopenAdmin();
  });

  after(async () => {
    await Promise.all(sinks.map((s) => s.close()));
    await admin.close().catch(() => {});
  });

  it('builds the URL with user, password and vhost percent-encoded, vhost "" being "/"', () => {
    const base = { scheme: 'amqp' as const, host: 'rabbit', port: 5672 };
    assert.equal(amqpUrl({ ...base, vhost: '', user: 'guest', password: 'guest' }), 'amqp://guest:guest@rabbit:5672/%2F');
    assert.equal(
      amqpUrl({ ...base, scheme: 'amqps', vhost: 'osg/raw', user: 'us@er', password: 'p:ss/w%rd é' }),
      'amqps://us%40er:p%3Ass%2Fw%25rd%20%C3%A9@rabbit:5672/osg%2Fraw',
    );
    assert.equal(amqpDisplayUrl({ ...base, vhost: '' }), 'amqp://rabbit:5672');
    assert.equal(amqpDisplayUrl({ ...base, host: '::1', vhost: 'v' }), 'amqp://[::1]:5672/v');
  });

  it('declares the exchange as configured', async () => {
    const exchange = uniqueName();
    await newSink(sinkOptions(exchange, { exchangeType: 'fanout', durable: false, autoDelete: true }));
    // the same declaration is accepted, a different one is refused (406 PRECONDITION_FAILED)
    await channel.assertExchange(exchange, 'fanout', { durable: false, autoDelete: true });
    await assert.rejects(channel.assertExchange(exchange, 'direct', { durable: false, autoDelete: true }), /PRECONDITION_FAILED/);
    await reopenAdmin();
  });

  it('an empty bundle completes at once', async () => {
    const sink = await newSink(sinkOptions(uniqueName()));
    assert.deepStrictEqual(await lastValueFrom(sink.publish([]).pipe(toArray())), []);
  });

  it('publishing is cold: nothing is sent before subscription', async () => {
    const exchange = uniqueName();
    const sink = await newSink(sinkOptions(exchange));
    const queue = await bindQueue(channel, exchange, 'gracc.osg.raw');
    const publication = sink.publish(messageBundle('cold', 3));
    await new Promise((r) => setTimeout(r, 200));
    assert.equal((await channel.checkQueue(queue)).messageCount, 0);
    await lastValueFrom(publication, { defaultValue: undefined });
    assert.equal((await getAll(channel, queue, 3)).length, 3);
  });

  // the sink's own frames, and amqplib's publish (its path when amqplib's internals are not as expected)
  for (const path of PUBLISH_PATHS) {
    it(`publishes a bundle: every message arrives, persistent, with its content type and body, in order (${path.name})`, async () => {
      const exchange = uniqueName();
      const sink = await newSink(sinkOptions(exchange, path.options));
      assert.equal(sink.name, 'amqp');
      assert.equal(sink.format, 'json');
      const queue = await bindQueue(channel, exchange, 'gracc.osg.raw');
      const messages = messageBundle('a', 250);
      await publish(sink, messages);
      const got = await getAll(channel, queue, messages.length);
      assert.equal(got.length, messages.length);
      got.forEach((m, i) => {
        assert.equal(m.properties.deliveryMode, 2);
        assert.equal(m.properties.contentType, messages[i]!.contentType);
        assert.deepStrictEqual(m.content, messages[i]!.body);
        assert.equal(m.fields.exchange, exchange);
        assert.equal(m.fields.routingKey, 'gracc.osg.raw');
      });
      assert.equal(new Set(got.map((m) => m.properties.messageId)).size, messages.length, 'message ids are unique');
    });

    it(`a 10,000-message bundle (beyond the write buffer) and concurrent bundles all complete (${path.name})`, async () => {
      const exchange = uniqueName();
      const sink = await newSink(sinkOptions(exchange, path.options));
      const queue = await bindQueue(channel, exchange, 'gracc.osg.raw');
      const big = messageBundle('big', 10_000, 1000);
      const small = Array.from({ length: 8 }, (_, b) => messageBundle(`s${b}`, 100));
      await Promise.all([publish(sink, big), ...small.map((m) => publish(sink, m))]);
      assert.equal((await channel.checkQueue(queue)).messageCount, 10_000 + 800);
      await channel.purgeQueue(queue);
    });

    it(`fails with "returned" when a message cannot be routed (no queue bound), though the broker acks it (${path.name})`, async () => {
      const exchange = uniqueName();
      const sink = await newSink(sinkOptions(exchange, path.options));
      const { error } = await publishFailure(sink, messageBundle('r', 5));
      assert.equal(error.failure, 'returned');
      assert.equal(error.sink, 'amqp');
      assert.match(error.message, /NO_ROUTE/);
      // only the unroutable bundle fails: another routing key with a queue works meanwhile
      const queue = await bindQueue(channel, exchange, 'gracc.osg.raw');
      await publish(sink, messageBundle('ok', 5));
      assert.equal((await getAll(channel, queue, 5)).length, 5);
    });

    it(`fails with "nack" when the broker refuses a message (queue full, overflow reject-publish) (${path.name})`, async () => {
      const exchange = uniqueName();
      const sink = await newSink(sinkOptions(exchange, path.options));
      await bindQueue(channel, exchange, 'gracc.osg.raw', { 'x-max-length': 3, 'x-overflow': 'reject-publish' });
      const { error } = await publishFailure(sink, messageBundle('n', 10));
      assert.equal(error.failure, 'nack');
    });
  }

  it('while the broker blocks publishers (memory alarm), unavailable$ says so and publish fails at once with "blocked"', async () => {
    const exchange = uniqueName();
    const sink = await newSink(sinkOptions(exchange));
    const queue = await bindQueue(channel, exchange, 'gracc.osg.raw');
    try {
      rabbitmqctl('set_vm_memory_high_watermark', '0');
      // RabbitMQ tells a connection it is blocked (connection.blocked) only once it publishes:
      // the first bundle after the alarm brings the notice, and fails with it
      const first = await publishFailure(sink, messageBundle('b1', 3));
      assert.equal(first.error.failure, 'blocked');
      assert.ok(first.ms < 5000, `failed after ${first.ms} ms`);
      const reason = await waitUnavailable(sink, (r) => r !== null, 1000);
      assert.match(reason ?? '', /blocked.*low on memory/);
      // from then on, at once, without sending
      const t0 = Date.now();
      let failure: string | undefined;
      sink.publish(messageBundle('b2', 3)).subscribe({ error: (e: SinkError) => (failure = e.failure) });
      assert.equal(failure, 'blocked', 'errors synchronously on subscribe');
      assert.ok(Date.now() - t0 < 50);
    } finally {
      rabbitmqctl('set_vm_memory_high_watermark', '0.4');
    }
    await waitAvailable(sink, 10_000);
    await publish(sink, messageBundle('b3', 3));
    // the failed bundle's messages were held up, not lost: they arrive too (a resend would be a duplicate)
    const got = await getAll(channel, queue, 6);
    assert.deepStrictEqual(
      got.map((m) => (JSON.parse(m.content.toString()) as { RecordId?: string }).RecordId ?? m.content.toString()).sort(),
      ['b1-0', 'b1-1', 'b1-2', 'b3-0', 'b3-1', 'b3-2'],
    );
  });

  it('after the broker stops, publish fails with "down"; once it is back, the sink reconnects by itself', async () => {
    const exchange = uniqueName();
    const sink = await newSink(sinkOptions(exchange, { durable: true, autoDelete: false }));
    let stopped = false;
    try {
      rabbitmqctl('stop_app');
      stopped = true;
      const reason = await waitUnavailable(sink, (r) => r !== null, 10_000);
      assert.match(reason ?? '', /not connected to amqp:\/\/127\.0\.0\.1:5672/);
      const { error, ms } = await publishFailure(sink, messageBundle('d', 3));
      assert.equal(error.failure, 'down');
      assert.ok(ms < 50, `failed after ${ms} ms`);
    } finally {
      rabbitmqctl('start_app');
    }
    assert.ok(stopped);
    const t0 = Date.now();
    await waitAvailable(sink, 20_000);
    log.info({ ms: Date.now() - t0 }, 'reconnected');
    await reopenAdmin();
    try {
      const queue = await bindQueue(channel, exchange, 'gracc.osg.raw');
      await publish(sink, messageBundle('again', 20));
      assert.equal((await getAll(channel, queue, 20)).length, 20);
    } finally {
      await channel.deleteExchange(exchange).catch(() => {});
    }
  });

  it('a bundle in flight when the connection is lost fails with "down"; reconnect waits follow the jittered backoff', async () => {
    const proxy = new TcpProxy();
    const port = await proxy.listen();
    try {
      const exchange = uniqueName();
      // random ≡ 0.5, 200..1000 ms: waits 400, 700, 1000 (1150 capped), 1000, …
      const sink = await newSink(sinkOptions(exchange, { port, random: () => 0.5, retryMs: 200, maxRetryMs: 1000 }));
      const queue = await bindQueue(channel, exchange, 'gracc.osg.raw');
      // the broker gets the messages but its confirms never reach the sink
      proxy.stallReplies();
      let settled = false;
      const inFlight = publishFailure(sink, messageBundle('f', 50)).finally(() => (settled = true));
      await new Promise((r) => setTimeout(r, 300));
      assert.equal(settled, false, 'no confirms, no completion');
      assert.equal((await channel.checkQueue(queue)).messageCount, 50, 'the broker has them');
      // now the connection drops, and the broker can no longer be reached for a while
      proxy.refuse = true;
      proxy.attempts.length = 0;
      const dropped = Date.now();
      proxy.dropAll();
      const { error, ms } = await inFlight;
      assert.equal(error.failure, 'down');
      assert.match((await firstValueFrom(sink.unavailable$)) ?? '', /not connected/);
      await new Promise((r) => setTimeout(r, 2600));
      const waits = proxy.attempts.map((t, i) => t - (i === 0 ? dropped : proxy.attempts[i - 1]!));
      log.info({ waits, ms }, 'reconnect attempts');
      assert.ok(waits.length >= 3, `attempts after ${JSON.stringify(waits)}`);
      [400, 700, 1000].forEach((expected, i) =>
        assert.ok(Math.abs(waits[i]! - expected) < 150, `wait ${i + 1} was ${waits[i]} ms, expected ~${expected}`),
      );
      // the broker is reachable again: the sink reconnects by itself, and the schedule restarts
      proxy.refuse = false;
      await waitAvailable(sink, 3000);
      await publish(sink, messageBundle('g', 5));
      proxy.attempts.length = 0;
      proxy.refuse = true;
      proxy.dropAll();
      const droppedAgain = Date.now();
      await new Promise((r) => setTimeout(r, 600));
      assert.ok(proxy.attempts.length >= 1);
      assert.ok(Math.abs(proxy.attempts[0]! - droppedAgain - 400) < 150, `first wait after a success: ${proxy.attempts[0]! - droppedAgain} ms`);
      proxy.refuse = false;
      await waitAvailable(sink, 3000);
    } finally {
      await proxy.close();
    }
  });

  it('a failed first connect is retried: the sink becomes available once the broker can be reached', async () => {
    const proxy = new TcpProxy();
    const port = await proxy.listen();
    proxy.refuse = true;
    try {
      const sink = createAmqpSink(sinkOptions(uniqueName(), { port, random: () => 0, retryMs: 100, maxRetryMs: 100 }));
      sinks.push(sink);
      assert.equal(await firstValueFrom(sink.unavailable$), `not connected to amqp://127.0.0.1:${port}`);
      await new Promise((r) => setTimeout(r, 450));
      assert.ok(proxy.attempts.length >= 3, `${proxy.attempts.length} attempts`);
      const { error, ms } = await publishFailure(sink, messageBundle('x', 1));
      assert.equal(error.failure, 'down');
      assert.ok(ms < 50);
      proxy.refuse = false;
      await waitAvailable(sink, 3000);
      await sink.close();
      // closed: no more attempts
      const n = proxy.attempts.length;
      await new Promise((r) => setTimeout(r, 300));
      assert.equal(proxy.attempts.length, n);
    } finally {
      await proxy.close();
    }
  });

  it('close() while the broker cannot be reached returns promptly', async () => {
    const proxy = new TcpProxy();
    const port = await proxy.listen();
    proxy.refuse = true;
    try {
      const sink = createAmqpSink(sinkOptions(uniqueName(), { port, retryMs: 5000, maxRetryMs: 60_000 }));
      await new Promise((r) => setTimeout(r, 100));
      const t0 = Date.now();
      await sink.close();
      assert.ok(Date.now() - t0 < 1000, `close took ${Date.now() - t0} ms`);
    } finally {
      await proxy.close();
    }
  });

  it('when the exchange cannot be declared (it exists with another type), the sink stays down and retries', async () => {
    const exchange = uniqueName();
    await channel.assertExchange(exchange, 'fanout', { durable: false, autoDelete: false });
    const sink = createAmqpSink(sinkOptions(exchange, { exchangeType: 'direct', retryMs: 100, maxRetryMs: 300 }));
    sinks.push(sink);
    try {
      await assert.rejects(waitAvailable(sink, 1000), /Timeout/);
      const { error } = await publishFailure(sink, messageBundle('x', 1));
      assert.equal(error.failure, 'down');
    } finally {
      await channel.deleteExchange(exchange);
    }
    // the next attempt declares it as configured
    await waitAvailable(sink, 3000);
    await channel.assertExchange(exchange, 'direct', { durable: false, autoDelete: true });
  });

  it('close() fails what is pending, completes unavailable$ and stops reconnecting', async () => {
    const sink = createAmqpSink(sinkOptions(uniqueName()));
    await waitAvailable(sink);
    const reasons = lastValueFrom(sink.unavailable$.pipe(toArray()));
    await sink.close();
    assert.deepStrictEqual((await reasons).slice(-1), ['the amqp sink is closed']);
    const { error } = await publishFailure(sink, messageBundle('c', 1));
    assert.equal(error.failure, 'down');
    await sink.close(); // idempotent
  });
});
