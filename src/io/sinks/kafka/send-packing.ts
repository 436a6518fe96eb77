// Which waiting bundles (or pieces of one) go into the next producer.send: pure bookkeeping,
// apart from kafkajs so that it can be tested on its own.

/** What packing needs of a waiting bundle; `taken` and `takenBytes` advance as it goes into sends. */
export interface Packable {
  /** Bytes of each message (key and body), as counted against maxSendBytes. */
  readonly sizes: readonly number[];
  /** All of them. */
  readonly bytes: number;
  /** Messages [0, taken) went into sends, `takenBytes` of them. */
  taken: number;
  takenBytes: number;
}

/** The messages [start, end) of a bundle (all of them, or one piece of a bundle over maxSendBytes). */
export interface Part<J> {
  readonly job: J;
  readonly start: number;
  readonly end: number;
}

/**
 * Takes the next send's parts off the head of `queue` (which it shortens) while they fit in
 * `maxBytes`: a bundle that fits in one send but not in this one waits for the next; a bundle
 * larger than `maxBytes` contributes as many of its next messages as fit (at least one when
 * the send is still empty) and stays at the head of the queue until all of them went out.
 */
export function packSend<J extends Packable>(queue: J[], maxBytes: number): Part<J>[] {
  const parts: Part<J>[] = [];
  let bytes = 0;
  while (queue.length > 0) {
    const job = queue[0]!;
    const count = job.sizes.length;
    const start = job.taken;
    const remaining = job.bytes - job.takenBytes;
    if (bytes + remaining <= maxBytes || parts.length === 0 && remaining <= maxBytes) {
      queue.shift();
      parts.push({ job, start, end: count });
      job.taken = count;
      job.takenBytes = job.bytes;
      bytes += remaining;
      continue;
    }
    if (remaining <= maxBytes) break; // fits whole in the next send: not split
    let end = start;
    while (end < count && (end === start && parts.length === 0 || bytes + job.sizes[end]! <= maxBytes)) {
      bytes += job.sizes[end]!;
      job.takenBytes += job.sizes[end]!;
      end += 1;
    }
    if (end > start) {
      parts.push({ job, start, end });
      job.taken = end;
      if (end === count) queue.shift();
    }
    break; // this send is full
  }
  return parts;
}

/** One topic's messages of a send, as kafkajs' sendBatch takes them. */
export interface TopicMessages<M> {
  readonly topic: string;
  readonly messages: M[];
}

/** A bundle whose records each name their own topic. */
export interface Routed<M> {
  readonly messages: readonly M[];
  /** The topic of each message. */
  readonly topics: readonly string[];
}

/**
 * A send's messages (those of its parts) grouped by topic: topics in the order of their
 * first message, each topic's messages in the order they were taken, so that the records
 * of a partition keep their order.
 */
export function byTopic<M, J extends Routed<M>>(parts: readonly Part<J>[]): TopicMessages<M>[] {
  const groups = new Map<string, M[]>();
  for (const { job, start, end } of parts) {
    for (let i = start; i < end; i++) {
      const topic = job.topics[i]!;
      const group = groups.get(topic);
      if (group) group.push(job.messages[i]!);
      else groups.set(topic, [job.messages[i]!]);
    }
  }
  return [...groups].map(([topic, messages]) => ({ topic, messages }));
}
