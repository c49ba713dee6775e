package dev.errand.sqlite;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
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

  static JobInfo read(ResultSet rs) throws SQLException {
    return new JobInfo(
        rs.getLong("id"),
        rs.getString("kind"),
        rs.getString("queue"),
        state(rs.getString("state")),
        rs.getString("args"),
        rs.getInt("priority"),
        rs.getInt("attempt"),
        rs.getInt("max_attempts"),
        instant(rs, "created_at"),
        instant(rs, "scheduled_at"),
        instant(rs, "attempted_at"),
        instant(rs, "finalized_at"),
        rs.getString("lease_owner"),
        instant(rs, "lease_expires_at"),
        tags(rs.getString("tags")),
        metadata(rs.getString("metadata")),
        errors(rs.getString("errors")));
  }

  static JobState state(String name) {
    return JobState.valueOf(name.toUpperCase(Locale.ROOT));
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

  static Instant instant(ResultSet rs, String column) throws SQLException {
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
