package dev.errand.spi;

import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * A job to insert, already validated and encoded by core.
 *
 * @param kind the job kind
 * @param queue the queue
 * @param argsJson the args as JSON
 * @param priority lower runs first
 * @param scheduledAt when it may run; at or before the insert's {@code now} it is stored {@code
 *     AVAILABLE}, after it {@code SCHEDULED}
 * @param maxAttempts attempts before it is discarded
 * @param tags labels
 * @param metadata key/value pairs
 */
public record NewJob(
    String kind,
    String queue,
    String argsJson,
    int priority,
    Instant scheduledAt,
    int maxAttempts,
    List<String> tags,
    Map<String, String> metadata) {
  public NewJob {
    Objects.requireNonNull(kind, "kind");
    Objects.requireNonNull(queue, "queue");
    Objects.requireNonNull(argsJson, "argsJson");
    Objects.requireNonNull(scheduledAt, "scheduledAt");
    tags = List.copyOf(tags);
    metadata = Map.copyOf(metadata);
  }
}
