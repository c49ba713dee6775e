package dev.errand.postgres;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.errand.AttemptError;
import dev.errand.DependencyCounts;
import dev.errand.JobInfo;
import dev.errand.JobState;
import dev.errand.StoreException;
import dev.errand.spi.JobFetchParams;
import java.sql.Array;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/** Turns job rows into {@link JobInfo} and the JSON columns both ways. */
final class JobRows {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final TypeReference<Map<String, String>> STRING_MAP = new TypeReference<>() {};

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
        tags(rs.getArray("tags")),
        metadata(rs.getString("metadata")),
        errors(rs.getString("errors")),
        dependencies(rs));
  }

  /** A row returned by the claim, which leaves out what the claim itself set. */
  static JobInfo readClaimed(ResultSet rs, JobFetchParams claim) throws SQLException {
    return new JobInfo(
        rs.getLong("id"),
        rs.getString("kind"),
        rs.getString("queue"),
        JobState.RUNNING,
        rs.getString("args"),
        rs.getInt("priority"),
        rs.getInt("attempt"),
        rs.getInt("max_attempts"),
        instant(rs, "created_at"),
        instant(rs, "scheduled_at"),
        claim.now(),
        null,
        claim.owner(),
        claim.leaseExpiresAt(),
        tags(rs.getArray("tags")),
        metadata(rs.getString("metadata")),
        errors(rs.getString("errors")),
        dependencies(rs));
  }

  private static DependencyCounts dependencies(ResultSet rs) throws SQLException {
    int waiting = rs.getInt("deps_waiting");
    int completed = rs.getInt("deps_completed");
    int discarded = rs.getInt("deps_discarded");
    int cancelled = rs.getInt("deps_cancelled");
    return waiting + completed + discarded + cancelled == 0
        ? DependencyCounts.NONE
        : new DependencyCounts(waiting, completed, discarded, cancelled);
  }

  static JobState state(String name) {
    return JobState.valueOf(name.toUpperCase(Locale.ROOT));
  }

  static String stateName(JobState state) {
    return state.name().toLowerCase(Locale.ROOT);
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

  private static Instant instant(ResultSet rs, String column) throws SQLException {
    OffsetDateTime time = rs.getObject(column, OffsetDateTime.class);
    return time == null ? null : time.toInstant();
  }

  private static List<String> tags(Array array) throws SQLException {
    if (array == null) {
      return List.of();
    }
    return List.of((String[]) array.getArray());
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
