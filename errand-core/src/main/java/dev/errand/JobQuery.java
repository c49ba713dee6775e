package dev.errand;

import java.util.Set;

/**
 * A filter and page for listing jobs, oldest id first. Build it from {@link #all()} with the {@code
 * with} methods; a null field means "any".
 *
 * @param states the states to include; empty means all
 * @param queue only this queue, or null
 * @param kind only this kind, or null
 * @param afterId only ids greater than this (the previous page's {@link JobPage#nextAfterId()})
 * @param limit most jobs on the page, 1 to {@link #MAX_LIMIT}
 */
public record JobQuery(Set<JobState> states, String queue, String kind, long afterId, int limit) {

  /** The default page size. */
  public static final int DEFAULT_LIMIT = 50;

  /** The largest page. */
  public static final int MAX_LIMIT = 1_000;

  public JobQuery {
    states = Set.copyOf(states);
    if (limit < 1 || limit > MAX_LIMIT) {
      throw new IllegalArgumentException(
          "limit must be between 1 and " + MAX_LIMIT + ", was " + limit);
    }
  }

  /** Every job, first page. */
  public static JobQuery all() {
    return new JobQuery(Set.of(), null, null, 0, DEFAULT_LIMIT);
  }

  public JobQuery withStates(JobState... states) {
    return new JobQuery(Set.of(states), queue, kind, afterId, limit);
  }

  public JobQuery withQueue(String queue) {
    return new JobQuery(states, queue, kind, afterId, limit);
  }

  public JobQuery withKind(String kind) {
    return new JobQuery(states, queue, kind, afterId, limit);
  }

  public JobQuery withAfterId(long afterId) {
    return new JobQuery(states, queue, kind, afterId, limit);
  }

  public JobQuery withLimit(int limit) {
    return new JobQuery(states, queue, kind, afterId, limit);
  }
}
