package dev.errand.server;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.errand.AttemptError;
import dev.errand.DependencyCounts;
import dev.errand.Enqueued;
import dev.errand.JobInfo;
import dev.errand.JobState;
import dev.errand.QueueInfo;
import java.time.Instant;
import java.util.Arrays;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/** The JSON shapes of jobs and queues, as documented in {@code openapi.yaml}. */
final class JobJson {
  private JobJson() {}

  static ObjectNode job(JobInfo job) {
    ObjectNode node = Body.MAPPER.createObjectNode();
    node.put("id", job.id());
    node.put("kind", job.kind());
    node.put("queue", job.queue());
    node.put("state", state(job.state()));
    node.set("args", args(job.argsJson()));
    node.put("priority", job.priority());
    node.put("attempt", job.attempt());
    node.put("maxAttempts", job.maxAttempts());
    time(node, "createdAt", job.createdAt());
    time(node, "scheduledAt", job.scheduledAt());
    time(node, "attemptedAt", job.attemptedAt());
    time(node, "finalizedAt", job.finalizedAt());
    node.put("leaseOwner", job.leaseOwner());
    time(node, "leaseExpiresAt", job.leaseExpiresAt());
    time(node, "heartbeatAt", job.heartbeatAt());
    node.put("uniqueKey", job.uniqueKey());
    ArrayNode tags = node.putArray("tags");
    job.tags().forEach(tags::add);
    ObjectNode metadata = node.putObject("metadata");
    job.metadata().forEach(metadata::put);
    DependencyCounts dependencies = job.dependencies();
    if (dependencies.total() > 0) {
      ObjectNode counts = node.putObject("dependencies");
      counts.put("waiting", dependencies.waiting());
      counts.put("completed", dependencies.completed());
      counts.put("discarded", dependencies.discarded());
      counts.put("cancelled", dependencies.cancelled());
    }
    ArrayNode errors = node.putArray("errors");
    for (AttemptError error : job.errors()) {
      ObjectNode e = errors.addObject();
      e.put("attempt", error.attempt());
      time(e, "at", error.at());
      e.put("class", error.errorClass());
      e.put("message", error.message());
      e.put("stackTrace", error.stackTrace());
      time(e, "startedAt", error.startedAt());
      e.put("node", error.node());
    }
    return node;
  }

  static ObjectNode enqueued(Enqueued enqueued) {
    ObjectNode node = Body.MAPPER.createObjectNode();
    node.put("id", enqueued.id());
    node.put("state", state(enqueued.state()));
    node.put("duplicate", enqueued.duplicate());
    return node;
  }

  static ObjectNode queue(QueueInfo queue) {
    ObjectNode node = Body.MAPPER.createObjectNode();
    node.put("name", queue.name());
    node.put("paused", queue.paused());
    ObjectNode counts = node.putObject("counts");
    ArrayNode estimated = node.putArray("estimated");
    for (JobState state : JobState.values()) {
      counts.put(state(state), queue.count(state));
      if (queue.isEstimated(state)) {
        estimated.add(state(state));
      }
    }
    return node;
  }

  static String state(JobState state) {
    return state.name().toLowerCase(Locale.ROOT);
  }

  /**
   * The state {@code text} names as {@link #state} spells it (in any case), or a 400 naming {@code
   * field}: {@code state=} of {@code GET /api/jobs}, {@code unique.states[i]}, or {@code errand
   * jobs list --state}.
   */
  static JobState parseState(String field, String text) {
    try {
      return JobState.valueOf(text.toUpperCase(Locale.ROOT));
    } catch (IllegalArgumentException e) {
      throw ApiError.badRequest(
          field,
          "state '"
              + text
              + "' is not one of "
              + String.join(", ", Arrays.stream(JobState.values()).map(JobJson::state).toList()));
    }
  }

  /** {@code states} as a list for a message: "scheduled, available, running". */
  static String states(Set<JobState> states) {
    return String.join(", ", states.stream().map(JobJson::state).toList());
  }

  private static JsonNode args(String json) {
    try {
      return Body.MAPPER.readTree(json);
    } catch (JsonProcessingException e) {
      // Stored by a Java client through a custom codec, perhaps; show it rather than fail.
      return Body.MAPPER.getNodeFactory().textNode(json);
    }
  }

  private static void time(ObjectNode node, String name, Instant time) {
    node.put(name, time == null ? null : time.toString());
  }

  static ObjectNode object(Map<String, ?> fields) {
    return Body.MAPPER.valueToTree(fields);
  }
}
