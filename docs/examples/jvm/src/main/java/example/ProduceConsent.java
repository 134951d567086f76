package example;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.UUID;
import org.apache.avro.Schema;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericDatumReader;
import org.apache.avro.generic.GenericDatumWriter;
import org.apache.avro.generic.GenericRecord;
import org.apache.avro.io.BinaryEncoder;
import org.apache.avro.io.DecoderFactory;
import org.apache.avro.io.EncoderFactory;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;

/**
 * Sends one CreateConsent to consent-worker and prints its CommandResult (docs/producers.md).
 * Apache Kafka's client and Apache Avro only: the Confluent wire format (byte 0, the 4-byte
 * schema id, the Avro body) is written here by hand, which is all Confluent's serializer does
 * with use.latest.version=true. Settings: KAFKA_BROKERS, SCHEMA_REGISTRY_URL,
 * CONSENT_COMMANDS_TOPIC, CONSENT_RESULTS_TOPIC (defaults: the local dev stack); the first
 * argument is the repository's schemas/bundled directory.
 */
public final class ProduceConsent {
  private static final String NS = "consentworker.v1";
  private static final HttpClient HTTP = HttpClient.newHttpClient();
  private static final ObjectMapper JSON = new ObjectMapper();

  private static String env(String name, String fallback) {
    String value = System.getenv(name);
    return value == null || value.isEmpty() ? fallback : value;
  }

  private static final String BROKERS = env("KAFKA_BROKERS", "127.0.0.1:19092");
  private static final String REGISTRY = env("SCHEMA_REGISTRY_URL", "http://127.0.0.1:18081/apis/ccompat/v7");
  private static final String COMMANDS = env("CONSENT_COMMANDS_TOPIC", "consent.commands.v1");
  private static final String RESULTS = env("CONSENT_RESULTS_TOPIC", "consent.results.v1");

  private static JsonNode registryGet(String path) throws IOException, InterruptedException {
    HttpResponse<String> response = HTTP.send(HttpRequest.newBuilder(URI.create(REGISTRY + path)).build(),
        HttpResponse.BodyHandlers.ofString());
    if (response.statusCode() != 200) throw new IOException("GET " + path + ": " + response.statusCode() + " " + response.body());
    return JSON.readTree(response.body());
  }

  /** An ISO 8601 time WITH an offset (LocalDateTime.toString() has none and gets a 400). */
  private static String now() {
    return OffsetDateTime.now(ZoneOffset.UTC).toString();
  }

  public static void main(String[] args) throws Exception {
    Path bundled = Path.of(args.length > 0 ? args[0] : "schemas/bundled");
    // Self-contained: schemas/topics/*.avsc name records of schemas/types and cannot be parsed alone.
    Schema commandSchema = new Schema.Parser().parse(bundled.resolve("consent-commands.avsc").toFile());
    Schema resultSchema = new Schema.Parser().parse(bundled.resolve("consent-results.avsc").toFile());
    // The worker registers the schema; a producer encodes with the subject's latest id.
    int schemaId = registryGet("/subjects/" + COMMANDS + "-value/versions/latest").get("id").asInt();

    String consentId = "consent-" + UUID.randomUUID();
    String commandId = "cmd-" + UUID.randomUUID();
    // A GenericRecord carries its schema, so the payload union's branch is the record's full
    // name (consentworker.v1.CreateConsent): Java cannot send the wrong branch by accident.
    GenericRecord create = new GenericData.Record(commandSchema.getField("payload").schema().getTypes().stream()
        .filter(s -> s.getFullName().equals(NS + ".CreateConsent")).findFirst().orElseThrow());
    create.put("consentId", consentId);
    create.put("serviceId", "svc-newsletter");
    create.put("userId", "user-42");
    create.put("status", "ACTIVE");
    create.put("consentType", "marketing");
    create.put("consentData", Map.of("channel", "email"));
    create.put("expiryTime", OffsetDateTime.now(ZoneOffset.UTC).plusDays(365).toString());
    GenericRecord envelope = new GenericData.Record(commandSchema);
    envelope.put("commandId", commandId);
    envelope.put("commandType", "CreateConsent");
    envelope.put("issuedAt", now());
    envelope.put("actor", null);
    envelope.put("correlationId", null);
    envelope.put("payload", create);

    Properties producerProps = new Properties();
    producerProps.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, BROKERS);
    producerProps.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true);
    try (KafkaProducer<String, byte[]> producer = new KafkaProducer<>(producerProps, new StringSerializer(), new ByteArraySerializer())) {
      // key: the consentId, so one consent's commands stay in order
      producer.send(new ProducerRecord<>(COMMANDS, consentId, confluentAvro(schemaId, commandSchema, envelope))).get();
    }

    GenericRecord result = awaitResult(commandId, resultSchema, Duration.ofSeconds(30));
    System.out.println(GenericData.get().toString(result));
  }

  /** Confluent wire format: magic byte 0, the schema id (4 bytes, big-endian), the Avro binary. */
  private static byte[] confluentAvro(int schemaId, Schema schema, GenericRecord record) throws IOException {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    out.write(0);
    out.write(ByteBuffer.allocate(4).putInt(schemaId).array());
    BinaryEncoder encoder = EncoderFactory.get().binaryEncoder(out, null);
    new GenericDatumWriter<GenericRecord>(schema).write(record, encoder);
    encoder.flush();
    return out.toByteArray();
  }

  /** Reads consent.results.v1 (keyed by commandId) until this command's result arrives. */
  private static GenericRecord awaitResult(String commandId, Schema readerSchema, Duration timeout) throws Exception {
    Properties props = new Properties();
    props.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, BROKERS);
    props.put(ConsumerConfig.GROUP_ID_CONFIG, "example-" + UUID.randomUUID());
    props.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
    props.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
    Instant deadline = Instant.now().plus(timeout);
    try (KafkaConsumer<String, byte[]> consumer = new KafkaConsumer<>(props, new StringDeserializer(), new ByteArrayDeserializer())) {
      consumer.subscribe(List.of(RESULTS));
      while (Instant.now().isBefore(deadline)) {
        for (ConsumerRecord<String, byte[]> record : consumer.poll(Duration.ofSeconds(1))) {
          if (!commandId.equals(record.key())) continue;
          ByteBuffer value = ByteBuffer.wrap(record.value());
          if (value.get() != 0) throw new IOException("not Confluent wire format");
          int writerId = value.getInt();
          // Read with the writer's schema (from the registry) into ours, as Avro schema evolution asks.
          Schema writer = new Schema.Parser().parse(registryGet("/schemas/ids/" + writerId).get("schema").asText());
          return new GenericDatumReader<GenericRecord>(writer, readerSchema)
              .read(null, DecoderFactory.get().binaryDecoder(record.value(), 5, record.value().length - 5, null));
        }
      }
    }
    throw new IOException("no result for " + commandId + " within " + timeout);
  }
}
