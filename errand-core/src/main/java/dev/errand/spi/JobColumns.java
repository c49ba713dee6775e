package dev.errand.spi;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.errand.AttemptError;
import dev.errand.DependencyCounts;
import dev.errand.JobState;
import dev.errand.StoreException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * How the SQL stores write a job's fields into columns and read them back, so that every such store
 * keeps them alike: states as lower-case names, unique states as one bitmask, and tags, metadata
 * and attempt errors as JSON text.
 */
public final class JobColumns {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final TypeReference<List<String>> STRING_LIST = new TypeReference<>() {};
  private static final TypeReference<Map<String, String>> STRING_MAP = new TypeReference<>() {};

  private JobColumns() {}

  /** The state stored as {@code name}, as {@link #stateName} writes it. */
  public static JobState state(String name) {
    return JobState.valueOf(name.toUpperCase(Locale.ROOT));
  }

  /** The state's stored name: {@code available}, {@code running}, … */
  public static String stateName(JobState state) {
    return state.name().toLowerCase(Locale.ROOT);
  }

  /**
   * The states as the unique-states bitmask the stores' unique indexes read (1 scheduled, 2
   * available, 4 running, 8 retryable, 16 completed, 32 discarded, 64 cancelled). Spelled out
   * rather than taken from the enum's ordinals: the stored bits must not move when a state is added
   * to {@link JobState}. PENDING has no bit: a job that waits on others cannot be unique, so a
   * unique job is never pending.
   */
  public static int uniqueStateBits(Set<JobState> states) {
    int bits = 0;
    for (JobState state : states) {
      bits |=
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
    return bits;
  }

  /** {@link DependencyCounts#NONE} for a job that never had dependencies, else the counts. */
  public static DependencyCounts dependencies(
      int waiting, int completed, int discarded, int cancelled) {
    return waiting == 0 && completed == 0 && discarded == 0 && cancelled == 0
        ? DependencyCounts.NONE
        : new DependencyCounts(waiting, completed, discarded, cancelled);
  }

  /** {@code value} as JSON text. */
  public static String json(Object value) {
    try {
      return JSON.writeValueAsString(value);
    } catch (JsonProcessingException e) {
      throw new StoreException("cannot write " + value.getClass().getSimpleName() + " as JSON", e);
    }
  }

  /**
   * One attempt error as the JSON object that {@link #errors} reads. Its run ({@code startedAt},
   * {@code node}) is left out while unknown, as the errors stored before it was kept have it; the
   * stores' scripts add it to a result's error from the job's record.
   */
  public static String errorJson(AttemptError error) {
    ObjectNode node = JSON.createObjectNode();
    node.put("attempt", error.attempt());
    node.put("at", error.at().toString());
    node.put("errorClass", error.errorClass());
    node.put("message", error.message());
    node.put("stackTrace", error.stackTrace());
    if (error.startedAt() != null) {
      node.put("startedAt", error.startedAt().toString());
    }
    if (error.node() != null) {
      node.put("node", error.node());
    }
    return node.toString();
  }

  /** Attempt errors as the JSON array that {@link #errors} reads. */
  public static String errorsJson(List<AttemptError> errors) {
    StringBuilder json = new StringBuilder("[");
    for (AttemptError error : errors) {
      json.append(json.length() == 1 ? "" : ",").append(errorJson(error));
    }
    return json.append(']').toString();
  }

  /** Tags stored as a JSON array of strings. */
  public static List<String> tags(String json) {
    if (json.equals("[]")) {
      return List.of();
    }
    try {
      return JSON.readValue(json, STRING_LIST);
    } catch (JsonProcessingException e) {
      throw new StoreException("stored tags are not a JSON array of strings: " + json, e);
    }
  }

  /** Metadata stored as a JSON object of strings. */
  public static Map<String, String> metadata(String json) {
    if (json.equals("{}")) {
      return Map.of();
    }
    try {
      return JSON.readValue(json, STRING_MAP);
    } catch (JsonProcessingException e) {
      throw new StoreException("stored metadata is not a JSON object of strings: " + json, e);
    }
  }

  /**
   * Attempt errors stored as a JSON array of {@link #errorJson} objects; a run left out or null
   * (errors that ended no run, or were stored before runs were kept) is read as null.
   */
  public static List<AttemptError> errors(String json) {
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
                e.path("stackTrace").asText(),
                e.hasNonNull("startedAt") ? Instant.parse(e.get("startedAt").asText()) : null,
                e.hasNonNull("node") ? e.get("node").asText() : null));
      }
      return errors;
    } catch (JsonProcessingException | RuntimeException e) {
      throw new StoreException("stored errors are not a JSON array of attempt errors", e);
    }
  }
}
