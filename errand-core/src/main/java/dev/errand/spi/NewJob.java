package dev.errand.spi;

import dev.errand.AttemptError;
import dev.errand.DependencyCounts;
import dev.errand.DependencyFailure;
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
    String uniqueKey,
    Set<JobState> uniqueStates,
    List<Long> dependsOn,
    DependencyFailure ifDependencyFails) {
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
    dependsOn = List.copyOf(dependsOn);
    Objects.requireNonNull(ifDependencyFails, "ifDependencyFails");
    // Neither store defines what a duplicate of a job that waits on others would mean (whose
    // dependencies count?), so the two do not mix.
    if (uniqueKey != null && !dependsOn.isEmpty()) {
      throw new IllegalArgumentException("a job cannot be both unique and wait on other jobs");
    }
  }

  /** An ordinary job: no unique key, no dependencies. */
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
        null,
        Set.of(),
        List.of(),
        DependencyFailure.CANCEL);
  }

  /** Whether this job is unique. */
  public boolean isUnique() {
    return uniqueKey != null;
  }

  /**
   * Where this job starts, given the states of its dependencies at insert ({@code dependencyStates}
   * holds every id of {@link #dependsOn()}): those already final are counted; if one of them failed
   * and the policy is {@code CANCEL}, it starts {@code CANCELLED} with {@code cancellation} as its
   * error; else {@code PENDING} while any is unfinished, else {@code AVAILABLE}, or {@code
   * SCHEDULED} if its run time is after {@code now}. The one rule every store applies at insert.
   */
  public Start start(Map<Long, JobState> dependencyStates, Instant now) {
    // Every dependency waits, then each that already ended counts as it would have on its end.
    DependencyCounts counts =
        dependsOn.isEmpty()
            ? DependencyCounts.NONE
            : new DependencyCounts(dependsOn.size(), 0, 0, 0);
    AttemptError cancellation = null;
    for (long id : dependsOn) {
      JobState state = dependencyStates.get(id);
      if (state.isFinal()) {
        counts = JobRules.counted(counts, state);
      }
      if (cancellation == null
          && ifDependencyFails == DependencyFailure.CANCEL
          && JobRules.failsDependents(state)) {
        cancellation = DependencyFailure.cancellation(id, state, now);
      }
    }
    JobState state;
    if (cancellation != null) {
      state = JobState.CANCELLED;
    } else if (counts.waiting() > 0) {
      state = JobState.PENDING;
    } else {
      state = JobRules.runnableState(scheduledAt, now);
    }
    return new Start(state, counts, cancellation);
  }

  /**
   * Where a new job starts: see {@link #start}.
   *
   * @param state its first state
   * @param dependencies its dependencies' counts
   * @param cancellation the error of a job that starts cancelled, else null
   */
  public record Start(JobState state, DependencyCounts dependencies, AttemptError cancellation) {}

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
        uniqueKey,
        uniqueStates,
        dependsOn,
        ifDependencyFails);
  }
}
