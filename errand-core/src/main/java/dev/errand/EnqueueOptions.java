package dev.errand;

import dev.errand.internal.engine.StoredText;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * How to enqueue a job: an immutable value, built by chaining {@code with} methods on {@link
 * #defaults()}. Unset fields fall back to the worker's or the configuration's defaults.
 *
 * <pre>{@code
 * errand.enqueue(args, EnqueueOptions.defaults().queue("mail").priority(1).runIn(Duration.ofMinutes(5)));
 * }</pre>
 */
public final class EnqueueOptions {

  /** The highest priority (runs first). */
  public static final int MIN_PRIORITY = 0;

  /** The lowest priority. */
  public static final int MAX_PRIORITY = 9;

  /** Most tags a job may carry. */
  public static final int MAX_TAGS = 16;

  /** Longest tag. */
  public static final int MAX_TAG_LENGTH = 64;

  /** Most jobs one job may depend on; a batch has no such limit. */
  public static final int MAX_DEPENDENCIES = 1000;

  /** Most metadata entries a job may carry. */
  public static final int MAX_METADATA_ENTRIES = 32;

  /**
   * The longest {@link #runIn(Duration)}: 100 years ({@code P36525D}). The same bound holds for
   * every delay after which a job runs again: a {@link Outcome#snooze(Duration) snooze}, the retry
   * delay of {@link Leases#fail}, a {@link Backoff}'s delay and a {@link Schedule#every(Duration)}
   * interval. Added to any clock reading before the year 9900 it stays within {@link #MAX_RUN_AT},
   * and no arithmetic on it overflows.
   */
  public static final Duration MAX_RUN_IN = Duration.ofDays(36_525);

  /**
   * The earliest {@link #runAt(Instant)}: the Unix epoch, 1970-01-01T00:00:00Z. A run time in the
   * past means "now", so earlier ones serve no purpose; they are refused rather than stored because
   * PostgreSQL, which receives times as ISO-8601 text, reads none before the year 1.
   */
  public static final Instant MIN_RUN_AT = Instant.EPOCH;

  /**
   * The latest {@link #runAt(Instant)}: the last microsecond of the year 9999,
   * 9999-12-31T23:59:59.999999Z. Every store keeps each microsecond from {@link #MIN_RUN_AT} to
   * here exactly (PostgreSQL's {@code timestamptz}, SQLite's microseconds since the epoch, the
   * in-memory {@link Instant}); from the year 10000 on, the ISO-8601 text of an instant takes a
   * sign that PostgreSQL does not read.
   */
  public static final Instant MAX_RUN_AT = Instant.parse("9999-12-31T23:59:59.999999Z");

  /** {@link #MAX_RUN_IN} as people write it: {@link Duration#toString()} would say PT876600H. */
  private static final String MAX_RUN_IN_TEXT = "P36525D (100 years)";

  private static final EnqueueOptions DEFAULTS =
      new EnqueueOptions(
          null,
          null,
          null,
          null,
          null,
          List.of(),
          Map.of(),
          null,
          List.of(),
          DependencyFailure.CANCEL);

  private final String queue;
  private final Integer priority;
  private final Instant runAt;
  private final Duration runIn;
  private final Integer maxAttempts;
  private final List<String> tags;
  private final Map<String, String> metadata;
  private final UniqueOptions unique;
  private final List<Long> dependsOn;
  private final DependencyFailure ifDependencyFails;

  private EnqueueOptions(
      String queue,
      Integer priority,
      Instant runAt,
      Duration runIn,
      Integer maxAttempts,
      List<String> tags,
      Map<String, String> metadata,
      UniqueOptions unique,
      List<Long> dependsOn,
      DependencyFailure ifDependencyFails) {
    this.queue = queue;
    this.priority = priority;
    this.runAt = runAt;
    this.runIn = runIn;
    this.maxAttempts = maxAttempts;
    this.tags = tags;
    this.metadata = metadata;
    this.unique = unique;
    this.dependsOn = dependsOn;
    this.ifDependencyFails = ifDependencyFails;
  }

  /** Options with nothing set: queue {@code default}, priority 0, run now. */
  public static EnqueueOptions defaults() {
    return DEFAULTS;
  }

  /** Run in queue {@code queue} instead of {@link Config#DEFAULT_QUEUE}. */
  public EnqueueOptions queue(String queue) {
    Config.checkQueueName(queue);
    return new EnqueueOptions(
        queue,
        priority,
        runAt,
        runIn,
        maxAttempts,
        tags,
        metadata,
        unique,
        dependsOn,
        ifDependencyFails);
  }

  /** Lower runs first; from {@link #MIN_PRIORITY} to {@link #MAX_PRIORITY}. */
  public EnqueueOptions priority(int priority) {
    if (priority < MIN_PRIORITY || priority > MAX_PRIORITY) {
      throw new IllegalArgumentException(
          "priority must be between "
              + MIN_PRIORITY
              + " and "
              + MAX_PRIORITY
              + ", was "
              + priority);
    }
    return new EnqueueOptions(
        queue,
        priority,
        runAt,
        runIn,
        maxAttempts,
        tags,
        metadata,
        unique,
        dependsOn,
        ifDependencyFails);
  }

  /**
   * Do not run before {@code runAt}; a time in the past means now. Replaces {@link
   * #runIn(Duration)}. Kept to the microsecond, as every store keeps times: finer digits are
   * dropped at enqueue.
   *
   * @throws IllegalArgumentException unless {@code runAt} is from {@link #MIN_RUN_AT} to {@link
   *     #MAX_RUN_AT}
   */
  public EnqueueOptions runAt(Instant runAt) {
    Objects.requireNonNull(runAt, "runAt");
    if (runAt.isBefore(MIN_RUN_AT) || runAt.isAfter(MAX_RUN_AT)) {
      throw new IllegalArgumentException(
          "runAt must be between " + MIN_RUN_AT + " and " + MAX_RUN_AT + ", was " + runAt);
    }
    return new EnqueueOptions(
        queue,
        priority,
        runAt,
        null,
        maxAttempts,
        tags,
        metadata,
        unique,
        dependsOn,
        ifDependencyFails);
  }

  /**
   * Do not run before {@code delay} from now. Replaces {@link #runAt(Instant)}. Kept to the
   * microsecond, as every store keeps times: finer digits are dropped at enqueue.
   *
   * @throws IllegalArgumentException if {@code delay} is negative or longer than {@link
   *     #MAX_RUN_IN}
   */
  public EnqueueOptions runIn(Duration delay) {
    checkDelay("runIn", delay);
    return new EnqueueOptions(
        queue,
        priority,
        null,
        delay,
        maxAttempts,
        tags,
        metadata,
        unique,
        dependsOn,
        ifDependencyFails);
  }

  /** Discard the job after this many failed attempts (at least 1). */
  public EnqueueOptions maxAttempts(int maxAttempts) {
    if (maxAttempts < 1 || maxAttempts > Config.MAX_ATTEMPTS_LIMIT) {
      throw new IllegalArgumentException(
          "maxAttempts must be between 1 and "
              + Config.MAX_ATTEMPTS_LIMIT
              + ", was "
              + maxAttempts);
    }
    return new EnqueueOptions(
        queue,
        priority,
        runAt,
        runIn,
        maxAttempts,
        tags,
        metadata,
        unique,
        dependsOn,
        ifDependencyFails);
  }

  /**
   * Free labels, for filtering in the views and the dashboard.
   *
   * @throws IllegalArgumentException if there are more than {@link #MAX_TAGS}, or a tag is blank,
   *     longer than {@link #MAX_TAG_LENGTH}, or holds a NUL character or an unpaired surrogate (the
   *     message names it as {@code tags[i]})
   */
  public EnqueueOptions tags(String... tags) {
    List<String> list = List.of(tags);
    if (list.size() > MAX_TAGS) {
      throw new IllegalArgumentException("at most " + MAX_TAGS + " tags, got " + list.size());
    }
    for (int i = 0; i < list.size(); i++) {
      String tag = list.get(i);
      if (tag.isBlank() || tag.length() > MAX_TAG_LENGTH) {
        throw new IllegalArgumentException(
            "tag must be 1 to " + MAX_TAG_LENGTH + " characters, was '" + tag + "'");
      }
      if (!StoredText.isStorable(tag)) {
        throw StoredText.refusal("tags[" + i + "]", tag);
      }
    }
    return new EnqueueOptions(
        queue,
        priority,
        runAt,
        runIn,
        maxAttempts,
        list,
        metadata,
        unique,
        dependsOn,
        ifDependencyFails);
  }

  /**
   * Free key/value pairs kept with the job.
   *
   * @throws IllegalArgumentException if there are more than {@link #MAX_METADATA_ENTRIES}, or a key
   *     or value holds a NUL character or an unpaired surrogate (the message names it as {@code
   *     metadata key 'k'} or {@code metadata['k']}, the key escaped)
   */
  public EnqueueOptions metadata(Map<String, String> metadata) {
    if (metadata.size() > MAX_METADATA_ENTRIES) {
      throw new IllegalArgumentException(
          "at most " + MAX_METADATA_ENTRIES + " metadata entries, got " + metadata.size());
    }
    for (Map.Entry<String, String> entry : metadata.entrySet()) {
      if (!StoredText.isStorable(entry.getKey())) {
        throw StoredText.refusal(
            "metadata key '" + StoredText.escape(entry.getKey()) + "'", entry.getKey());
      }
      if (!StoredText.isStorable(entry.getValue())) {
        throw StoredText.refusal("metadata['" + entry.getKey() + "']", entry.getValue());
      }
    }
    return new EnqueueOptions(
        queue,
        priority,
        runAt,
        runIn,
        maxAttempts,
        tags,
        Map.copyOf(metadata),
        unique,
        dependsOn,
        ifDependencyFails);
  }

  /**
   * Wait on other jobs: the job is stored {@link JobState#PENDING} and becomes available only once
   * all of them have completed; if one of them is discarded, cancelled or deleted instead, {@link
   * #ifDependencyFails} decides. Dependencies already finished count at once. Replaces earlier
   * dependencies; repeated ids count once.
   *
   * @throws IllegalArgumentException if an id is not positive, or there are more than {@link
   *     #MAX_DEPENDENCIES}
   */
  public EnqueueOptions dependsOn(long... ids) {
    LinkedHashSet<Long> distinct = new LinkedHashSet<>();
    for (long id : ids) {
      if (id <= 0) {
        throw new IllegalArgumentException("dependsOn ids must be positive job ids, was " + id);
      }
      distinct.add(id);
    }
    if (distinct.size() > MAX_DEPENDENCIES) {
      throw new IllegalArgumentException(
          "at most " + MAX_DEPENDENCIES + " dependencies, got " + distinct.size());
    }
    return new EnqueueOptions(
        queue,
        priority,
        runAt,
        runIn,
        maxAttempts,
        tags,
        metadata,
        unique,
        List.copyOf(distinct),
        ifDependencyFails);
  }

  /** {@link #dependsOn(long...)} the jobs of earlier enqueues. */
  public EnqueueOptions dependsOn(List<Enqueued> jobs) {
    return dependsOn(jobs.stream().mapToLong(Enqueued::id).toArray());
  }

  /**
   * What to do when a dependency is discarded, cancelled or deleted: {@link
   * DependencyFailure#CANCEL} (the default) or {@link DependencyFailure#RUN}.
   */
  public EnqueueOptions ifDependencyFails(DependencyFailure policy) {
    Objects.requireNonNull(policy, "policy");
    return new EnqueueOptions(
        queue, priority, runAt, runIn, maxAttempts, tags, metadata, unique, dependsOn, policy);
  }

  /** The uniqueness, or null for the worker's (usually none). */
  public UniqueOptions unique() {
    return unique;
  }

  /** The ids of the jobs to wait on; empty for none. */
  public List<Long> dependsOn() {
    return dependsOn;
  }

  /** What to do when a dependency does not complete. */
  public DependencyFailure ifDependencyFails() {
    return ifDependencyFails;
  }

  /**
   * Enqueue only if no duplicate exists, as {@code unique} defines it; otherwise nothing is stored
   * and the answer is the existing job's id, with {@link Enqueued#duplicate()} true. Replaces the
   * worker's {@link Worker#unique()}.
   */
  public EnqueueOptions unique(UniqueOptions unique) {
    Objects.requireNonNull(unique, "unique");
    return new EnqueueOptions(
        queue,
        priority,
        runAt,
        runIn,
        maxAttempts,
        tags,
        metadata,
        unique,
        dependsOn,
        ifDependencyFails);
  }

  /** The queue, or null for the default. */
  public String queue() {
    return queue;
  }

  /** The priority, or null for the default. */
  public Integer priority() {
    return priority;
  }

  /** The absolute run time, or null. */
  public Instant runAt() {
    return runAt;
  }

  /** The delay from enqueue, or null. */
  public Duration runIn() {
    return runIn;
  }

  /** The max attempts, or null for the worker's or configuration's default. */
  public Integer maxAttempts() {
    return maxAttempts;
  }

  /** The tags. */
  public List<String> tags() {
    return tags;
  }

  /** The metadata. */
  public Map<String, String> metadata() {
    return metadata;
  }

  /**
   * Checks a delay after which a job is to run (again): from zero to {@link #MAX_RUN_IN}.
   *
   * @throws IllegalArgumentException naming {@code field}, the limit and the value
   */
  static Duration checkDelay(String field, Duration delay) {
    Objects.requireNonNull(delay, field);
    if (delay.isNegative()) {
      throw new IllegalArgumentException(field + " must not be negative, was " + delay);
    }
    if (delay.compareTo(MAX_RUN_IN) > 0) {
      throw new IllegalArgumentException(
          field + " must be at most " + MAX_RUN_IN_TEXT + ", was " + delay);
    }
    return delay;
  }

  @Override
  public String toString() {
    return "EnqueueOptions[queue="
        + queue
        + ", priority="
        + priority
        + ", runAt="
        + runAt
        + ", runIn="
        + runIn
        + ", maxAttempts="
        + maxAttempts
        + ", tags="
        + tags
        + ", metadata="
        + metadata
        + ", unique="
        + unique
        + ", dependsOn="
        + dependsOn
        + ", ifDependencyFails="
        + ifDependencyFails
        + "]";
  }
}
