package dev.errand.redis;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.io.JsonStringEncoder;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import dev.errand.spi.NewJob;
import java.math.BigDecimal;
import java.time.Instant;
import java.util.HexFormat;
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
  /** Sidekiq's job id ({@code jid}): 12 random bytes in hex, as {@code SecureRandom.hex(12)}. */
  private static final HexFormat HEX = HexFormat.of();

  private static final ObjectMapper JSON =
      new ObjectMapper().enable(DeserializationFeature.USE_BIG_DECIMAL_FOR_FLOATS);

  private SidekiqJobs() {}

  /**
   * Sidekiq's JSON of {@code job}, without its closing brace, stamped at {@code now}. Written as
   * text, its fields in Sidekiq's order: a bulk insert writes thousands of these, and a tree of
   * nodes per job cost more than the rest of the client's work on it.
   */
  static String openJson(NewJob job, Instant now) {
    String seconds = seconds(now).toString();
    StringBuilder json = new StringBuilder(128 + job.argsJson().length());
    json.append("{\"class\":");
    quote(json, job.kind());
    json.append(",\"args\":").append(positionalText(job.argsJson())).append(",\"queue\":");
    quote(json, job.queue());
    ThreadLocalRandom random = ThreadLocalRandom.current();
    json.append(",\"jid\":\"")
        .append(HEX.toHexDigits(random.nextLong()))
        .append(HEX.toHexDigits(random.nextInt()))
        // Sidekiq's retry option counts retries after the first attempt.
        .append("\",\"retry\":")
        .append(job.maxAttempts() - 1)
        .append(",\"created_at\":")
        .append(seconds)
        .append(",\"enqueued_at\":")
        .append(seconds);
    return json.toString();
  }

  private static void quote(StringBuilder json, String text) {
    json.append('"').append(JsonStringEncoder.getInstance().quoteAsString(text)).append('"');
  }

  /** Args that are an array already, as given; anything else as {@link #positional(String)}. */
  private static String positionalText(String argsJson) {
    return argsJson.isEmpty() || argsJson.charAt(0) != '['
        ? positional(argsJson).toString()
        : argsJson;
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

  /** Float seconds since the epoch, to the microsecond, as Sidekiq stamps its jobs. */
  static BigDecimal seconds(Instant at) {
    return BigDecimal.valueOf(Long.parseLong(JobFields.micros(at)), 6);
  }
}
