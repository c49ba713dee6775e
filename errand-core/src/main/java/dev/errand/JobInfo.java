package dev.errand;

import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * A snapshot of one stored job, as the views, the dashboard and the store SPI see it. Its args are
 * the stored JSON; a {@link Worker} sees them decoded through {@link Job#args()}.
 *
 * @param id the store-assigned id, increasing in insertion order
 * @param kind the {@link JobArgs#kind()} the job was enqueued with
 * @param queue the queue the job runs in
 * @param state where the job is in its life
 * @param argsJson the args as JSON
 * @param priority lower runs first, from {@link EnqueueOptions#MIN_PRIORITY} to {@link
 *     EnqueueOptions#MAX_PRIORITY}
 * @param attempt how many attempts have started and counted (0 before the first)
 * @param maxAttempts after this many failed attempts the job is discarded
 * @param createdAt when it was enqueued
 * @param scheduledAt when it may run (next)
 * @param attemptedAt when its latest attempt started, or null
 * @param finalizedAt when it reached a final state, or null
 * @param leaseOwner the node running it while {@link JobState#RUNNING}, or null
 * @param leaseExpiresAt when that lease ends unless renewed, or null
 * @param tags free labels for filtering
 * @param metadata free key/value pairs
 * @param errors one entry per failed attempt, oldest first
 * @param dependencies how the jobs it depends on have ended so far ({@link DependencyCounts#NONE}
 *     for a job without dependencies)
 * @param uniqueKey the key of a unique job, as the stores hold it: 64 lowercase hex digits, the
 *     SHA-256 that core computes from what {@link UniqueOptions} chose (or from a periodic job's
 *     slot); null for a job that is not unique
 * @param heartbeatAt when the holder of its latest attempt last renewed the lease by a heartbeat,
 *     at the heartbeat's time; null until the first heartbeat of that attempt. The claim itself is
 *     not a heartbeat ({@code attemptedAt} says when it happened): each claim clears it, so a
 *     running job never shows the heartbeat of an earlier attempt. It stays once the attempt ends,
 *     like {@code attemptedAt}: for a job whose lease expired, it tells when its holder was last
 *     heard from
 */
public record JobInfo(
    long id,
    String kind,
    String queue,
    JobState state,
    String argsJson,
    int priority,
    int attempt,
    int maxAttempts,
    Instant createdAt,
    Instant scheduledAt,
    Instant attemptedAt,
    Instant finalizedAt,
    String leaseOwner,
    Instant leaseExpiresAt,
    List<String> tags,
    Map<String, String> metadata,
    List<AttemptError> errors,
    DependencyCounts dependencies,
    String uniqueKey,
    Instant heartbeatAt) {

  public JobInfo {
    Objects.requireNonNull(kind, "kind");
    Objects.requireNonNull(queue, "queue");
    Objects.requireNonNull(state, "state");
    Objects.requireNonNull(argsJson, "argsJson");
    tags = List.copyOf(tags);
    metadata = Map.copyOf(metadata);
    errors = List.copyOf(errors);
    Objects.requireNonNull(dependencies, "dependencies");
  }

  /** A job that is not unique and has had no heartbeat. */
  public JobInfo(
      long id,
      String kind,
      String queue,
      JobState state,
      String argsJson,
      int priority,
      int attempt,
      int maxAttempts,
      Instant createdAt,
      Instant scheduledAt,
      Instant attemptedAt,
      Instant finalizedAt,
      String leaseOwner,
      Instant leaseExpiresAt,
      List<String> tags,
      Map<String, String> metadata,
      List<AttemptError> errors,
      DependencyCounts dependencies) {
    this(
        id,
        kind,
        queue,
        state,
        argsJson,
        priority,
        attempt,
        maxAttempts,
        createdAt,
        scheduledAt,
        attemptedAt,
        finalizedAt,
        leaseOwner,
        leaseExpiresAt,
        tags,
        metadata,
        errors,
        dependencies,
        null,
        null);
  }

  /** A job without dependencies that is not unique and has had no heartbeat. */
  public JobInfo(
      long id,
      String kind,
      String queue,
      JobState state,
      String argsJson,
      int priority,
      int attempt,
      int maxAttempts,
      Instant createdAt,
      Instant scheduledAt,
      Instant attemptedAt,
      Instant finalizedAt,
      String leaseOwner,
      Instant leaseExpiresAt,
      List<String> tags,
      Map<String, String> metadata,
      List<AttemptError> errors) {
    this(
        id,
        kind,
        queue,
        state,
        argsJson,
        priority,
        attempt,
        maxAttempts,
        createdAt,
        scheduledAt,
        attemptedAt,
        finalizedAt,
        leaseOwner,
        leaseExpiresAt,
        tags,
        metadata,
        errors,
        DependencyCounts.NONE);
  }
}
