// Whether the brokers' answer to a producer.send covers every record of it. kafkajs 2.2.4 can
// resolve a send without an error and without having written the records of a partition:
// when a retry finds that partition's leader moved to a broker that already answered an earlier
// attempt, it sends nothing more to that broker and returns the earlier answer, which does not
// name the partition (cf. kafkajs issue #1303). The sink notes where the partitioner put each
// record and fails a send whose answer lacks one of those partitions.
import { type ICustomPartitioner, type Message, Partitioners, type RecordMetadata } from 'kafkajs';

/** Where the partitioner put one message: its topic, and each partition it chose (one, unless a retry chose another). */
interface Placement {
  readonly topic: string;
  readonly partitions: Set<number>;
}

export class DeliveryCheck {
  private readonly placed = new WeakMap<Message, Placement>();

  /** kafkajs' default partitioner (the Java client's: murmur2 of the key), noting each choice. */
  readonly createPartitioner: ICustomPartitioner = () => {
    const choose = Partitioners.DefaultPartitioner();
    return (args) => {
      const partition = choose(args);
      const placement = this.placed.get(args.message);
      if (placement && placement.topic === args.topic) placement.partitions.add(partition);
      else this.placed.set(args.message, { topic: args.topic, partitions: new Set([partition]) });
      return partition;
    };
  };

  /**
   * Why the answer `results` of a send of `messages` does not confirm every one of them, or
   * undefined when it does: a message never placed, placed in two partitions (a record without
   * a key that a retry put elsewhere: which attempt wrote it cannot be told), or placed in a
   * partition the answer does not name, or names with an error.
   */
  unconfirmed(messages: readonly Message[], results: readonly RecordMetadata[]): string | undefined {
    const confirmed = new Set(results.filter((r) => r.errorCode === 0).map((r) => `${r.topicName}:${r.partition}`));
    const missing = new Map<string, number>();
    let moved = 0;
    let unplaced = 0;
    for (const message of messages) {
      const placement = this.placed.get(message);
      if (!placement) {
        unplaced += 1;
        continue;
      }
      if (placement.partitions.size > 1) moved += 1;
      for (const partition of placement.partitions) {
        const name = `${placement.topic}:${partition}`;
        if (!confirmed.has(name)) missing.set(name, (missing.get(name) ?? 0) + 1);
      }
    }
    const problems: string[] = [];
    if (missing.size > 0) {
      const list = [...missing].map(([name, n]) => `${name} (${n} records)`).join(', ');
      problems.push(`the brokers' answer does not confirm partition${missing.size > 1 ? 's' : ''} ${list}`);
    }
    if (moved > 0) problems.push(`${moved} records were put in another partition on a retry`);
    if (unplaced > 0) problems.push(`${unplaced} records were never given a partition`);
    return problems.length === 0 ? undefined : `${problems.join('; ')}: not all records are known to be written`;
  }
}
