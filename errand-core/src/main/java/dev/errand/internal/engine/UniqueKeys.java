package dev.errand.internal.engine;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import dev.errand.JobArgsException;
import dev.errand.UniqueOptions;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Instant;
import java.util.HexFormat;
import java.util.Map;
import java.util.TreeMap;

/**
 * Computes unique keys: a SHA-256 over a canonical encoding of what {@link UniqueOptions} chose, so
 * that equal jobs get equal keys whatever the field order of their JSON, on every node and in every
 * store, and the store compares a fixed 32 bytes instead of whole args.
 */
public final class UniqueKeys {
  /**
   * Reads args JSON into maps and writes them back with sorted keys at every depth: the canonical
   * form. Independent of the application's codec, whose output is only read here. Decimals are read
   * as {@code BigDecimal}, not {@code double}: through a double, 0.1000000000000000000000001 and
   * 0.1 would share a key, and every number beyond its range (1e400) would be "Infinity".
   */
  private static final ObjectMapper CANONICAL =
      new ObjectMapper()
          .configure(SerializationFeature.ORDER_MAP_ENTRIES_BY_KEYS, true)
          .enable(DeserializationFeature.USE_BIG_DECIMAL_FOR_FLOATS);

  private UniqueKeys() {}

  /** The key of a job of {@code kind} with these args, queue and run time. */
  static String of(
      UniqueOptions unique, String kind, String argsJson, String queue, Instant scheduledAt) {
    StringBuilder canonical = new StringBuilder("job\n").append(kind).append('\n');
    if (unique.isByArgs()) {
      canonical.append("args ").append(canonicalArgs(unique, kind, argsJson)).append('\n');
    }
    if (unique.isByQueue()) {
      canonical.append("queue ").append(queue).append('\n');
    }
    if (unique.period() != null) {
      long seconds = unique.period().getSeconds();
      long bucket = Math.floorDiv(scheduledAt.getEpochSecond(), seconds) * seconds;
      canonical.append("period ").append(seconds).append(' ').append(bucket).append('\n');
    }
    return sha256(canonical.toString());
  }

  /**
   * The key of one slot of a periodic schedule: its name and the slot, nothing else, so that a
   * changed args or queue does not make a slot run twice.
   */
  static String ofSlot(String scheduleName, Instant slot) {
    return sha256("periodic\n" + scheduleName + "\n" + slot + "\n");
  }

  /**
   * The key a job moved from another store carries in its new one ({@link dev.errand.JobMove}): its
   * id, kind and creation there, which no other job of that store shares, so that moving it again
   * finds it.
   */
  public static String ofMovedJob(long id, String kind, Instant createdAt) {
    return sha256("moved\n" + kind + "\n" + id + "\n" + createdAt + "\n");
  }

  private static String canonicalArgs(UniqueOptions unique, String kind, String argsJson) {
    try {
      Object args = CANONICAL.readValue(argsJson, Object.class);
      if (unique.argsFields().isEmpty()) {
        return CANONICAL.writeValueAsString(args);
      }
      if (!(args instanceof Map<?, ?> fields)) {
        throw new JobArgsException(
            "unique by args fields "
                + unique.argsFields()
                + ": args of kind '"
                + kind
                + "' are not a JSON object");
      }
      Map<String, Object> chosen = new TreeMap<>();
      for (String name : unique.argsFields()) {
        if (!fields.containsKey(name)) {
          throw new JobArgsException(
              "unique by args field '"
                  + name
                  + "': args of kind '"
                  + kind
                  + "' have no such field (they have "
                  + fields.keySet()
                  + ")");
        }
        chosen.put(name, fields.get(name));
      }
      return CANONICAL.writeValueAsString(chosen);
    } catch (JsonProcessingException e) {
      throw new JobArgsException(
          "unique by args: args of kind '"
              + kind
              + "' are not valid JSON: "
              + e.getOriginalMessage());
    }
  }

  private static String sha256(String canonical) {
    try {
      MessageDigest digest = MessageDigest.getInstance("SHA-256");
      return HexFormat.of().formatHex(digest.digest(canonical.getBytes(StandardCharsets.UTF_8)));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("every Java platform has SHA-256", e);
    }
  }
}
