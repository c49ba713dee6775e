package dev.errand.sqlite;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.errand.AttemptError;
import dev.errand.JobInfo;
import dev.errand.JobState;
import dev.errand.StoreException;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * Turns job rows into {@link JobInfo}, and times and JSON columns both ways. Times are stored as
 * microseconds since the epoch: an integer compares and indexes cheaply, and microseconds are what
 * PostgreSQL keeps, so an instant reads back the same on either store.
 */
final class JobRows {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final TypeReference<List<String>> STRING_LIST = new TypeReference<>() {};
  private static final TypeReference<Map<String, String>> STRING_MAP = new TypeReference<>() {};
  private static final long MICROS_PER_SECOND = 1_000_000;

  private JobRows() {}

  /** Reads the columns id, state, queue, kind, args, priority, … errors, in store.sql's order. */
  static JobInfo read(ResultSet rs) throws SQLException {
    return new JobInfo(
        rs.getLong(1),
        rs.getString(4),
        rs.getString(3),
        state(rs.getString(2)),
        rs.getString(5),
        rs.getInt(6),
        rs.getInt(7),
        rs.getInt(8),
        instant(rs, 9),
        instant(rs, 10),
        instant(rs, 11),
        instant(rs, 12),
        rs.getString(13),
        instant(rs, 14),
        tags(rs.getString(15)),
        metadata(rs.getString(16)),
        errors(rs.getString(17)));
  }

  static JobState state(String name) {
    return JobState.valueOf(name.toUpperCase(Locale.ROOT));
  }

  /**
   * The states as the bitmask of V002__unique_jobs.sql, spelled out rather than taken from the
   * enum's ordinals: the stored bits must not move when a state is added to {@link JobState}.
   * PENDING has no bit: a job that waits on others cannot be unique, so a unique job is never
   * pending.
   */
  static int stateMask(Set<JobState> states) {
    int mask = 0;
    for (JobState state : states) {
      mask |=
          switch (state) {
            case SCHEDULED -> 1;
            case AVAILABLE -> 2;
            case RUNNING -> 4;
            case RETRYABLE -> 8;
            case COMPLETED -> 16;
            case DISCARDED -> 32;
            case CANCELLED -> 64;
            case PENDING -> 0;
          };
    }
    return mask;
  }

  static String stateName(JobState state) {
    return state.name().toLowerCase(Locale.ROOT);
  }

  /** Microseconds since the epoch; anything finer is dropped, as PostgreSQL does. */
  static long micros(Instant instant) {
    return Math.addExact(
        Math.multiplyExact(instant.getEpochSecond(), MICROS_PER_SECOND), instant.getNano() / 1_000);
  }

  static Instant instant(long micros) {
    return Instant.ofEpochSecond(
        Math.floorDiv(micros, MICROS_PER_SECOND), Math.floorMod(micros, MICROS_PER_SECOND) * 1_000);
  }

  static Instant instant(ResultSet rs, int column) throws SQLException {
    long micros = rs.getLong(column);
    return rs.wasNull() ? null : instant(micros);
  }

  static String errorJson(AttemptError error) {
    ObjectNode node = JSON.createObjectNode();
    node.put("attempt", error.attempt());
    node.put("at", error.at().toString());
    node.put("errorClass", error.errorClass());
    node.put("message", error.message());
    node.put("stackTrace", error.stackTrace());
    return node.toString();
  }

  /** The rows of the JobFinishMany statement, as the JSON array it reads. */
  static String finishJson(List<SqliteStore.FinishRow> rows) {
    ArrayNode array = JSON.createArrayNode();
    for (SqliteStore.FinishRow r : rows) {
      ArrayNode row = array.addArray();
      row.add(r.ref().id());
      row.add(r.ref().attempt());
      row.add(r.state());
      row.add(r.attemptDelta());
      if (r.scheduledAt() == null) {
        row.addNull();
      } else {
        row.add(micros(r.scheduledAt()));
      }
      if (r.finalizedAt() == null) {
        row.addNull();
      } else {
        row.add(micros(r.finalizedAt()));
      }
      if (r.error() == null) {
        row.addNull();
      } else {
        row.add(errorJson(r.error()));
      }
    }
    return array.toString();
  }

  static String json(Object value) {
    try {
      return JSON.writeValueAsString(value);
    } catch (JsonProcessingException e) {
      throw new StoreException("cannot write " + value.getClass().getSimpleName() + " as JSON", e);
    }
  }

  private static List<String> tags(String json) {
    if (json.equals("[]")) {
      return List.of();
    }
    try {
      return JSON.readValue(json, STRING_LIST);
    } catch (JsonProcessingException e) {
      throw new StoreException("stored tags are not a JSON array of strings: " + json, e);
    }
  }

  private static Map<String, String> metadata(String json) {
    if (json.equals("{}")) {
      return Map.of();
    }
    try {
      return JSON.readValue(json, STRING_MAP);
    } catch (JsonProcessingException e) {
      throw new StoreException("stored metadata is not a JSON object of strings: " + json, e);
    }
  }

  private static List<AttemptError> errors(String json) {
    if (json.equals("[]")) {
      return List.of();
    }
    try {
      JsonNode array = JSON.readTree(json);
      List<AttemptError> errors = new ArrayList<>(array.size());
      for (JsonNode e : array) {
        errors.add(
            new AttemptError(
                e.path("attempt").asInt(),
                Instant.parse(e.path("at").asText()),
                e.path("errorClass").asText(),
                e.path("message").asText(),
                e.path("stackTrace").asText()));
      }
      return errors;
    } catch (JsonProcessingException | RuntimeException e) {
      throw new StoreException("stored errors are not a JSON array of attempt errors", e);
    }
  }
}
