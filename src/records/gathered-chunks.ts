/**
 * A body's chunks held back and passed on together (see gatherSmall): the form decoder reads
 * them as one piece of `byteLength` bytes, decoding them one after another into a single
 * buffer, so that each field's value comes out whole without the chunks being joined first.
 *
 * Why not join them: a 100-record replication bundle of today's records is some 770 kB, and
 * the join copied all of it (3.5 % of a worker's CPU on that load) only for the decoder to
 * read it again.
 */
export class GatheredChunks {
  constructor(
    readonly chunks: readonly Uint8Array[],
    readonly byteLength: number,
  ) {}
}

/** What a request's body is read as after gatherSmall: a chunk as it came, or chunks gathered. */
export type BodyChunk = Uint8Array | GatheredChunks;
