package dev.errand.redis;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.errand.spi.NewJob;
import java.math.BigDecimal;
import java.time.Instant;
import java.util.concurrent.ThreadLocalRandom;

/**
 * A job as Sidekiq stores it: the JSON object that sits in {@code queue:<name>}, {@code schedule},
 * {@code retry} and {@code dead}, so that Sidekiq's processes and its API read Errand's jobs. Built
 * here once per job, left open: the scripts add {@code errand_id} and, as the job fails, Sidekiq's
 * retry fields, then close it.
 *
 * <p>Sidekiq passes a job's {@code args} to {@code perform} positionally: an Errand args object
 * becomes the array of its values in field order (a Java record's component order); args that are
 * already an array stay as they are; any other value becomes a one-element array. The args Errand
 * returns are always the ones it was given, kept beside this JSON.
 */
final class SidekiqJobs {
  private static final ObjectMapper JSON =
      new ObjectMapper().enable(DeserializationFeature.USE_BIG_DECIMAL_FOR_FLOATS);

  private SidekiqJobs() {}

  /** Sidekiq's JSON of {@code job}, without its closing brace. */
  static String openJson(NewJob job, Instant now) {
    ObjectNode node = JSON.createObjectNode();
    node.put("class", job.kind());
    node.set("args", positional(job.argsJson()));
    node.put("queue", job.queue());
    node.put("jid", jid());
    // Sidekiq's retry option counts retries after the first attempt.
    node.put("retry", job.maxAttempts() - 1);
    BigDecimal seconds = seconds(now);
    node.put("created_at", seconds);
    node.put("enqueued_at", seconds);
    try {
      String text = JSON.writeValueAsString(node);
      return text.substring(0, text.length() - 1);
    } catch (JsonProcessingException e) {
      throw new IllegalStateException("a tree of JSON nodes always writes", e);
    }
  }

  private static JsonNode positional(String argsJson) {
    JsonNode args;
    try {
      args = JSON.readTree(argsJson);
    } catch (JsonProcessingException e) {
      throw new IllegalArgumentException("args are not JSON: " + e.getOriginalMessage(), e);
    }
    if (args.isArray()) {
      return args;
    }
    ArrayNode values = JSON.createArrayNode();
    if (args.isObject()) {
      args.forEach(values::add);
    } else {
      values.add(args);
    }
    return values;
  }

  /** Sidekiq's job id: 12 random bytes in hex, as {@code SecureRandom.hex(12)} makes it. */
  private static String jid() {
    ThreadLocalRandom random = ThreadLocalRandom.current();
    return String.format("%016x%08x", random.nextLong(), random.nextInt());
  }

  /** Float seconds since the epoch, to the microsecond, as Sidekiq stamps its jobs. */
  static BigDecimal seconds(Instant at) {
    return BigDecimal.valueOf(Long.parseLong(JobFields.micros(at)), 6);
  }
}
