// Reads a topic from the beginning with Kafka's own Java consumer (the broker's kafka-clients
// jar, with its snappy-java, lz4-java and zstd-jni codecs), as other clients of the collector's
// topics would: prints "RECORD <key or -> <value, base64>" a record until it has the count
// asked for or 30 s passed. Run as a single-file source: java -cp <classpath> ReadTopic.java
// BROKER TOPIC COUNT (see test/support/kafka.ts, javaReadTopic).
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Properties;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;

public class ReadTopic {
  public static void main(String[] args) {
    Properties props = new Properties();
    props.put("bootstrap.servers", args[0]);
    props.put("key.deserializer", ByteArrayDeserializer.class.getName());
    props.put("value.deserializer", ByteArrayDeserializer.class.getName());
    props.put("enable.auto.commit", "false");
    String topic = args[1];
    int want = Integer.parseInt(args[2]);
    Base64.Encoder base64 = Base64.getEncoder();
    try (KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(props)) {
      List<TopicPartition> partitions = new ArrayList<>();
      for (PartitionInfo p : consumer.partitionsFor(topic)) partitions.add(new TopicPartition(topic, p.partition()));
      consumer.assign(partitions);
      consumer.seekToBeginning(partitions);
      long deadline = System.currentTimeMillis() + 30_000;
      int got = 0;
      while (got < want && System.currentTimeMillis() < deadline) {
        for (ConsumerRecord<byte[], byte[]> r : consumer.poll(Duration.ofMillis(500))) {
          String key = r.key() == null ? "-" : new String(r.key(), java.nio.charset.StandardCharsets.UTF_8);
          System.out.println("RECORD " + key + " " + base64.encodeToString(r.value()));
          got++;
        }
      }
    }
  }
}
