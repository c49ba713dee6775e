package dev.errand.spi;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.errand.AttemptTotals;
import dev.errand.PeriodicJobInfo;
import dev.errand.StoreException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * How the SQL stores write a node registry entry's queues and kinds into columns and read them
 * back, so that every such store keeps them alike: the queues as a JSON object of name to
 * concurrency, the kinds as a JSON array of names, each in name order.
 */
public final class NodeColumns {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final TypeReference<Map<String, Integer>> QUEUES = new TypeReference<>() {};
  private static final TypeReference<List<String>> KINDS = new TypeReference<>() {};

  private NodeColumns() {}

  /** The queues as the JSON object that {@link #queues} reads. */
  public static String queuesJson(Map<String, Integer> queues) {
    return JobColumns.json(new TreeMap<>(queues));
  }

  /** The kinds as the JSON array that {@link #kinds} reads. */
  public static String kindsJson(Set<String> kinds) {
    return JobColumns.json(new TreeSet<>(kinds));
  }

  /** Queues stored by {@link #queuesJson}. */
  public static Map<String, Integer> queues(String json) {
    try {
      return JSON.readValue(json, QUEUES);
    } catch (JsonProcessingException e) {
      throw new StoreException("stored node queues are not a JSON object of numbers: " + json, e);
    }
  }

  /** What a node reports beside its queues and kinds: whether it leads, its periodic jobs. */
  public record Details(
      boolean leader, List<PeriodicJobInfo> periodicJobs, Map<String, AttemptTotals> attempts) {}

  /**
   * The details as the JSON object that {@link #details} reads: {@code {"leader": true, "periodic":
   * [{"name", "kind", "queue", "schedule", "next" (or null), "catchesUp"}], "attempts": {"queue":
   * [completed, failed]}}}.
   */
  public static String detailsJson(
      boolean leader, List<PeriodicJobInfo> periodicJobs, Map<String, AttemptTotals> attempts) {
    ObjectNode details = JSON.createObjectNode().put("leader", leader);
    ObjectNode byQueue = details.putObject("attempts");
    new TreeMap<>(attempts)
        .forEach(
            (queue, totals) ->
                byQueue.putArray(queue).add(totals.completed()).add(totals.failed()));
    ArrayNode periodic = details.putArray("periodic");
    for (PeriodicJobInfo job : periodicJobs) {
      periodic
          .addObject()
          .put("name", job.name())
          .put("kind", job.kind())
          .put("queue", job.queue())
          .put("schedule", job.schedule())
          .put("next", job.nextRunAt() == null ? null : job.nextRunAt().toString())
          .put("catchesUp", job.catchesUp());
    }
    return details.toString();
  }

  /** Details stored by {@link #detailsJson}; an empty object is a node that does not lead. */
  public static Details details(String json) {
    try {
      JsonNode details = JSON.readTree(json);
      List<PeriodicJobInfo> periodic = new ArrayList<>();
      for (JsonNode job : details.path("periodic")) {
        periodic.add(
            new PeriodicJobInfo(
                job.path("name").asText(),
                job.path("kind").asText(),
                job.path("queue").asText(),
                job.path("schedule").asText(),
                job.path("next").isTextual() ? Instant.parse(job.path("next").asText()) : null,
                job.path("catchesUp").asBoolean()));
      }
      Map<String, AttemptTotals> attempts = new TreeMap<>();
      details
          .path("attempts")
          .properties()
          .forEach(
              e ->
                  attempts.put(
                      e.getKey(),
                      new AttemptTotals(
                          e.getValue().path(0).asLong(), e.getValue().path(1).asLong())));
      return new Details(details.path("leader").asBoolean(false), periodic, attempts);
    } catch (JsonProcessingException | RuntimeException e) {
      throw new StoreException(
          "stored node details are not as detailsJson writes them: " + json, e);
    }
  }

  /** Kinds stored by {@link #kindsJson}. */
  public static Set<String> kinds(String json) {
    try {
      return Set.copyOf(JSON.readValue(json, KINDS));
    } catch (JsonProcessingException e) {
      throw new StoreException("stored node kinds are not a JSON array of strings: " + json, e);
    }
  }
}
