package dev.errand.redis;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.io.JsonStringEncoder;
import dev.errand.spi.NewJob;
import java.io.IOException;
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

  private static final JsonFactory TOKENS = new JsonFactory();

  private SidekiqJobs() {}

  /**
   * Sidekiq's JSON of {@code job}, without its closing brace, stamped at {@code stamp} ({@link
   * #stamp}). Written as text, its fields in Sidekiq's order: a bulk insert writes thousands of
   * these, and a tree of nodes per job cost more than the rest of the client's work on it.
   */
  static String openJson(NewJob job, String stamp) {
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
        .append(stamp)
        .append(",\"enqueued_at\":")
        .append(stamp);
    return json.toString();
  }

  private static void quote(StringBuilder json, String text) {
    json.append('"').append(JsonStringEncoder.getInstance().quoteAsString(text)).append('"');
  }

  /**
   * The args as Sidekiq's positional array: an array as it is; an object as the array of its
   * fields' values, in order; anything else as a one-element array. Each value is copied as it is
   * written, found by Jackson's tokenizer without being read into a tree: nothing is rewritten (a
   * long decimal stays as written) and a bulk insert does not build a tree per job.
   */
  private static String positionalText(String argsJson) {
    try (JsonParser parser = TOKENS.createParser(argsJson)) {
      JsonToken first = parser.nextToken();
      if (first == JsonToken.START_ARRAY) {
        return argsJson.strip();
      }
      if (first != JsonToken.START_OBJECT) {
        return "[" + argsJson.strip() + "]";
      }
      StringBuilder array = new StringBuilder(argsJson.length() + 2).append('[');
      JsonToken token = parser.nextToken();
      while (token == JsonToken.FIELD_NAME) {
        parser.nextToken();
        int start = (int) parser.currentTokenLocation().getCharOffset();
        parser.skipChildren();
        // The value ends where the next field's name or the object's end starts, but for the
        // blanks and the comma between them.
        token = parser.nextToken();
        String value =
            argsJson.substring(start, (int) parser.currentTokenLocation().getCharOffset());
        value = value.strip();
        if (value.endsWith(",")) {
          value = value.substring(0, value.length() - 1).strip();
        }
        array.append(array.length() == 1 ? "" : ",").append(value);
      }
      if (token != JsonToken.END_OBJECT || parser.nextToken() != null) {
        throw new IllegalArgumentException("args are not one JSON value: " + argsJson);
      }
      return array.append(']').toString();
    } catch (IOException e) {
      throw new IllegalArgumentException("args are not JSON: " + e.getMessage(), e);
    }
  }

  /** The time Sidekiq stamps a job with: {@link #seconds} as text, once for a whole insert. */
  static String stamp(Instant now) {
    return seconds(now).toString();
  }

  /** Float seconds since the epoch, to the microsecond, as Sidekiq stamps its jobs. */
  static BigDecimal seconds(Instant at) {
    return seconds(Long.parseLong(JobFields.micros(at)));
  }

  /** {@link #seconds(Instant)} of a time in microseconds since the epoch. */
  static BigDecimal seconds(long micros) {
    return BigDecimal.valueOf(micros, 6);
  }
}
