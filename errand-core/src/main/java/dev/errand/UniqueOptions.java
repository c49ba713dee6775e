package dev.errand;

import java.time.Duration;
import java.util.Arrays;
import java.util.Collections;
import java.util.EnumSet;
import java.util.List;
import java.util.Objects;
import java.util.Set;

/**
 * What makes a job unique: an immutable value, built by chaining methods on {@link #byKind()}. Two
 * jobs are duplicates when their kind and every chosen part are equal and the first is still in one
 * of the chosen {@linkplain #byStates(JobState...) states}; enqueueing the second then stores
 * nothing and answers the first's id with {@link Enqueued#duplicate()} true.
 *
 * <pre>{@code
 * // At most one sync per account that waits or runs, however many nodes ask at once; a sync that
 * // completed does not block the next one (by default it would, until it is pruned):
 * UniqueOptions oneWaitingOrRunning = UniqueOptions.byKind().byArgs()
 *     .byStates(JobState.SCHEDULED, JobState.AVAILABLE, JobState.RUNNING, JobState.RETRYABLE);
 * errand.enqueue(new SyncAccount(42), EnqueueOptions.defaults().unique(oneWaitingOrRunning));
 * }</pre>
 *
 * <p>The store enforces it (on PostgreSQL a unique index), so it holds across threads, processes
 * and within one {@link Errand#enqueueAll bulk enqueue}. Only stores that declare {@link
 * dev.errand.spi.Capability#UNIQUE_JOBS} support it.
 */
public final class UniqueOptions {

  /**
   * The states a unique job always holds its key in: while it waits or runs. A duplicate of a job
   * in one of them would run twice, which is what uniqueness exists to prevent.
   */
  public static final Set<JobState> REQUIRED_STATES =
      Collections.unmodifiableSet(
          EnumSet.of(JobState.SCHEDULED, JobState.AVAILABLE, JobState.RUNNING, JobState.RETRYABLE));

  /**
   * The states of {@link #byKind()}: the required ones and {@link JobState#COMPLETED}, as in River
   * and Oban, so that a job that succeeded is not done again until it is pruned (combine with
   * {@link #byPeriod(Duration)} to allow one per period). Discarded and cancelled jobs free their
   * key, so that failed work can be enqueued anew.
   */
  public static final Set<JobState> DEFAULT_STATES =
      Collections.unmodifiableSet(
          EnumSet.of(
              JobState.SCHEDULED,
              JobState.AVAILABLE,
              JobState.RUNNING,
              JobState.RETRYABLE,
              JobState.COMPLETED));

  private static final UniqueOptions BY_KIND =
      new UniqueOptions(false, List.of(), false, null, DEFAULT_STATES);

  private final boolean byArgs;
  private final List<String> argsFields;
  private final boolean byQueue;
  private final Duration period;
  private final Set<JobState> states;

  private UniqueOptions(
      boolean byArgs,
      List<String> argsFields,
      boolean byQueue,
      Duration period,
      Set<JobState> states) {
    this.byArgs = byArgs;
    this.argsFields = argsFields;
    this.byQueue = byQueue;
    this.period = period;
    this.states = states;
  }

  /** Unique by kind alone, in the {@link #DEFAULT_STATES}: the start of every unique option. */
  public static UniqueOptions byKind() {
    return BY_KIND;
  }

  /** Also by the whole args: jobs whose args differ are not duplicates. */
  public UniqueOptions byArgs() {
    return new UniqueOptions(true, List.of(), byQueue, period, states);
  }

  /**
   * Also by these top-level fields of the args (as written to JSON); the other fields may differ.
   *
   * @throws IllegalArgumentException if no field is given or one is blank
   */
  public UniqueOptions byArgs(String... fields) {
    List<String> list = List.of(fields);
    if (list.isEmpty()) {
      throw new IllegalArgumentException(
          "unique byArgs(fields) needs at least one field; use byArgs() for the whole args");
    }
    for (String field : list) {
      if (field.isBlank()) {
        throw new IllegalArgumentException("unique byArgs field must not be blank");
      }
    }
    return new UniqueOptions(
        true, list.stream().distinct().sorted().toList(), byQueue, period, states);
  }

  /** Also by queue: equal jobs in different queues are not duplicates. */
  public UniqueOptions byQueue() {
    return new UniqueOptions(byArgs, argsFields, true, period, states);
  }

  /**
   * Also by period: the job's run time (its enqueue time unless delayed) falls in a window of this
   * length aligned on the Unix epoch (a period of a day runs midnight to midnight UTC), and only
   * jobs in the same window are duplicates.
   *
   * @throws IllegalArgumentException unless at least one second, in whole seconds
   */
  public UniqueOptions byPeriod(Duration period) {
    Objects.requireNonNull(period, "period");
    if (period.compareTo(Duration.ofSeconds(1)) < 0 || period.getNano() != 0) {
      throw new IllegalArgumentException(
          "unique period must be whole seconds, at least 1 second, was " + period);
    }
    return new UniqueOptions(byArgs, argsFields, byQueue, period, states);
  }

  /**
   * The states in which an existing job blocks a duplicate, instead of the {@link #DEFAULT_STATES}.
   * A job in any other state no longer counts: a new one may be enqueued.
   *
   * @throws IllegalArgumentException unless every one of the {@link #REQUIRED_STATES} is given
   */
  public UniqueOptions byStates(JobState... states) {
    EnumSet<JobState> set = EnumSet.noneOf(JobState.class);
    set.addAll(Arrays.asList(states));
    if (set.contains(JobState.PENDING)) {
      throw new IllegalArgumentException(
          "unique states cannot include PENDING: a job that waits on others cannot be unique");
    }
    if (!set.containsAll(REQUIRED_STATES)) {
      EnumSet<JobState> missing = EnumSet.copyOf(REQUIRED_STATES);
      missing.removeAll(set);
      throw new IllegalArgumentException(
          "unique states must include "
              + REQUIRED_STATES
              + " (a duplicate of a waiting or running job would run twice), missing "
              + missing);
    }
    return new UniqueOptions(byArgs, argsFields, byQueue, period, Collections.unmodifiableSet(set));
  }

  /** Whether the args count. */
  public boolean isByArgs() {
    return byArgs;
  }

  /** The args fields that count, sorted; empty when the whole args count (or none do). */
  public List<String> argsFields() {
    return argsFields;
  }

  /** Whether the queue counts. */
  public boolean isByQueue() {
    return byQueue;
  }

  /** The period, or null when time does not count. */
  public Duration period() {
    return period;
  }

  /** The states in which a job blocks its duplicates. */
  public Set<JobState> states() {
    return states;
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof UniqueOptions u
        && byArgs == u.byArgs
        && argsFields.equals(u.argsFields)
        && byQueue == u.byQueue
        && Objects.equals(period, u.period)
        && states.equals(u.states);
  }

  @Override
  public int hashCode() {
    return Objects.hash(byArgs, argsFields, byQueue, period, states);
  }

  @Override
  public String toString() {
    return "UniqueOptions[kind"
        + (byArgs ? argsFields.isEmpty() ? ", args" : ", args" + argsFields : "")
        + (byQueue ? ", queue" : "")
        + (period != null ? ", period=" + period : "")
        + ", states="
        + states
        + "]";
  }
}
