// Kafka's compression codecs (kafkajs implements only gzip itself; codecs.ts registers these in
// its codec registry), in the wire formats Kafka's Java clients write and read:
// - snappy: Java's producer writes snappy-java's stream framing ("xerial": a 16-byte header,
//   then blocks of raw snappy each behind its 4-byte big-endian length); Java's consumer
//   reads that, and raw snappy too (snappy-java falls back to it), as librdkafka writes.
//   We write the framing and read both.
// - lz4: the LZ4 frame format with independent blocks (Kafka decodes each block on its own).
// - zstd: plain zstd frames, with Node's own zlib.zstdCompress (Node ≥ 22.15); the runtime
//   may lack it: then the configuration is refused (compressionUnavailable).
// snappy and lz4-napi are native (prebuilt Node-API) modules, loaded only when configured.
// Without kafkajs: the configuration's check (compressionUnavailable) runs in the cluster's primary too.
import zlib from 'node:zlib';
import { promisify } from 'node:util';
import type { KafkaCompression } from './config';

/** What kafkajs asks of a codec: it compresses a record batch's records, and decompresses them. */
export interface Codec {
  compress(encoder: { buffer: Buffer }): Promise<Buffer>;
  decompress(buffer: Buffer): Promise<Buffer>;
}

// --- snappy, in snappy-java's framing

const XERIAL_MAGIC = Buffer.from([0x82, 0x53, 0x4e, 0x41, 0x50, 0x50, 0x59, 0x00]); // \x82SNAPPY\0
/** The magic, then version 1 and the oldest compatible version, 1 (int32 big-endian each). */
const XERIAL_HEADER = Buffer.concat([XERIAL_MAGIC, Buffer.from([0, 0, 0, 1, 0, 0, 0, 1])]);
/** Uncompressed bytes a block (snappy-java's default block size). */
const XERIAL_BLOCK = 32 * 1024;

function snappyCodec(): Codec {
  const snappy = require('snappy') as typeof import('snappy');
  const raw = async (block: Buffer): Promise<Buffer> => (await snappy.uncompress(block, { asBuffer: true })) as Buffer;
  return {
    async compress({ buffer }) {
      const parts: Buffer[] = [XERIAL_HEADER];
      for (let at = 0; at < buffer.length; at += XERIAL_BLOCK) {
        const block = await snappy.compress(buffer.subarray(at, at + XERIAL_BLOCK));
        const length = Buffer.alloc(4);
        length.writeUInt32BE(block.length);
        parts.push(length, block);
      }
      return Buffer.concat(parts);
    },
    async decompress(buffer) {
      if (buffer.length < XERIAL_HEADER.length || !buffer.subarray(0, XERIAL_MAGIC.length).equals(XERIAL_MAGIC)) return raw(buffer);
      const blocks: Buffer[] = [];
      for (let at = XERIAL_HEADER.length; at < buffer.length;) {
        if (at + 4 > buffer.length) throw new Error('snappy: a block length cut short');
        const end = at + 4 + buffer.readUInt32BE(at);
        if (end > buffer.length) throw new Error('snappy: a block cut short');
        blocks.push(await raw(buffer.subarray(at + 4, end)));
        at = end;
      }
      return Buffer.concat(blocks);
    },
  };
}

// --- lz4 frames

function lz4Codec(): Codec {
  const lz4 = require('lz4-napi') as typeof import('lz4-napi');
  return {
    compress: ({ buffer }) => lz4.compressFrame(buffer),
    decompress: (buffer) => lz4.decompressFrame(buffer),
  };
}

// --- zstd, Node's own

type ZstdZlib = typeof zlib & {
  zstdCompress?: (input: Buffer, callback: (err: Error | null, out: Buffer) => void) => void;
  zstdDecompress?: (input: Buffer, callback: (err: Error | null, out: Buffer) => void) => void;
};

function zstdCodec(): Codec {
  const z = zlib as ZstdZlib;
  if (!z.zstdCompress || !z.zstdDecompress) throw new Error(`Node ${process.version} has no zstd in node:zlib (Node 22.15 and later have it)`);
  const compress = promisify(z.zstdCompress);
  const decompress = promisify(z.zstdDecompress);
  return { compress: ({ buffer }) => compress(buffer), decompress: (buffer) => decompress(buffer) };
}

const MAKERS: Partial<Record<KafkaCompression, () => Codec>> = { snappy: snappyCodec, lz4: lz4Codec, zstd: zstdCodec };

/** Codecs made so far (each made once: loading a native module, checking the runtime). */
const made = new Map<KafkaCompression, Codec | Error>();

/** `compression`'s codec (made on first use), the reason this runtime cannot have it, or undefined for none and gzip. */
export function codec(compression: KafkaCompression): Codec | Error | undefined {
  const make = MAKERS[compression];
  if (!make) return undefined;
  let got = made.get(compression);
  if (!got) {
    try {
      got = make();
    } catch (e) {
      got = e instanceof Error ? e : new Error(String(e));
    }
    made.set(compression, got);
  }
  return got;
}

/**
 * Why this runtime cannot compress with `compression`, or undefined when it can (none and
 * gzip always can). The configuration check (and `validate`) refuse the former.
 */
export function compressionUnavailable(compression: KafkaCompression): string | undefined {
  const c = codec(compression);
  return c instanceof Error ? `compression '${compression}' is not available here: ${c.message}` : undefined;
}

