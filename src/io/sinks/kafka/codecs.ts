// Kafka's compression codecs (compression.ts) in kafkajs' codec registry, and kafkajs' name of each.
import { CompressionCodecs, CompressionTypes } from 'kafkajs';
import { type Codec, codec, compressionUnavailable } from './compression';
import type { KafkaCompression } from './config';

export const COMPRESSION_TYPES: Record<KafkaCompression, CompressionTypes> = {
  none: CompressionTypes.None,
  gzip: CompressionTypes.GZIP,
  snappy: CompressionTypes.Snappy,
  lz4: CompressionTypes.LZ4,
  zstd: CompressionTypes.ZSTD,
};

/**
 * Registers `compression`'s codec in kafkajs' registry (for producing, and for reading what
 * other clients wrote); throws with the reason when the runtime cannot have it.
 */
export function registerCodec(compression: KafkaCompression): void {
  const c = codec(compression);
  if (c === undefined) return;
  if (c instanceof Error) throw new Error(`kafka: ${compressionUnavailable(compression)}`);
  (CompressionCodecs as Record<number, () => Codec>)[COMPRESSION_TYPES[compression]] = () => c;
}
