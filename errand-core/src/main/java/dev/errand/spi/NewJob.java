package dev.errand.spi;

import dev.errand.JobState;
import dev.errand.UniqueOptions;
import java.time.Instant;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

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
 * @param uniqueKey null for an ordinary job; for a unique job, 64 lowercase hex digits (a SHA-256
 *     computed by core): the store inserts it only if no stored job with the same key is in one of
 *     its own {@code uniqueStates}
 * @param uniqueStates the states in which this job, once stored, blocks others with its key: at
 *     least {@link UniqueOptions#REQUIRED_STATES}; empty exactly when {@code uniqueKey} is null
 */
public record NewJob(
    String kind,
    String queue,
    String argsJson,
    int priority,
    Instant scheduledAt,
    int maxAttempts,
    List<String> tags,
    Map<String, String> metadata,
    String uniqueKey,
    Set<JobState> uniqueStates) {
  public NewJob {
    Objects.requireNonNull(kind, "kind");
    Objects.requireNonNull(queue, "queue");
    Objects.requireNonNull(argsJson, "argsJson");
    Objects.requireNonNull(scheduledAt, "scheduledAt");
    tags = List.copyOf(tags);
    metadata = Map.copyOf(metadata);
    uniqueStates = uniqueStates.isEmpty() ? Set.of() : Set.copyOf(EnumSet.copyOf(uniqueStates));
    if (uniqueKey != null && !uniqueKey.matches("[0-9a-f]{64}")) {
      throw new IllegalArgumentException(
          "uniqueKey must be 64 lowercase hex digits, was '" + uniqueKey + "'");
    }
    if ((uniqueKey == null) != uniqueStates.isEmpty()) {
      throw new IllegalArgumentException(
          "uniqueKey and uniqueStates go together, were " + uniqueKey + " and " + uniqueStates);
    }
    // A job moves between these on its own (staging, fetch, retry, rescue): holding the key in
    // all of them means no such move can meet another holder.
    if (uniqueKey != null && !uniqueStates.containsAll(UniqueOptions.REQUIRED_STATES)) {
      throw new IllegalArgumentException(
          "uniqueStates must include " + UniqueOptions.REQUIRED_STATES + ", were " + uniqueStates);
    }
  }

  /** An ordinary job: no unique key. */
  public NewJob(
      String kind,
      String queue,
      String argsJson,
      int priority,
      Instant scheduledAt,
      int maxAttempts,
      List<String> tags,
      Map<String, String> metadata) {
    this(kind, queue, argsJson, priority, scheduledAt, maxAttempts, tags, metadata, null, Set.of());
  }

  /** Whether this job is unique. */
  public boolean isUnique() {
    return uniqueKey != null;
  }
}
