package dev.errand.spi;

import dev.errand.DependencyFailure;
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
 * @param dependsOn ids of stored jobs this one waits on, without repeats: it is stored {@code
 *     PENDING} until all of them have finished
 * @param ifDependencyFails what becomes of it when one of them does not complete
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
    List<Long> dependsOn,
    DependencyFailure ifDependencyFails) {
  public NewJob {
    Objects.requireNonNull(kind, "kind");
    Objects.requireNonNull(queue, "queue");
    Objects.requireNonNull(argsJson, "argsJson");
    Objects.requireNonNull(scheduledAt, "scheduledAt");
    tags = List.copyOf(tags);
    metadata = Map.copyOf(metadata);
    dependsOn = List.copyOf(dependsOn);
    Objects.requireNonNull(ifDependencyFails, "ifDependencyFails");
  }

  /** A job without dependencies. */
  public NewJob(
      String kind,
      String queue,
      String argsJson,
      int priority,
      Instant scheduledAt,
      int maxAttempts,
      List<String> tags,
      Map<String, String> metadata) {
    this(
        kind,
        queue,
        argsJson,
        priority,
        scheduledAt,
        maxAttempts,
        tags,
        metadata,
        List.of(),
        DependencyFailure.CANCEL);
  }

  /** This job, waiting on {@code dependsOn} instead, with {@code ifDependencyFails}. */
  public NewJob withDependencies(List<Long> dependsOn, DependencyFailure ifDependencyFails) {
    return new NewJob(
        kind,
        queue,
        argsJson,
        priority,
        scheduledAt,
        maxAttempts,
        tags,
        metadata,
        dependsOn,
        ifDependencyFails);
  }
}
