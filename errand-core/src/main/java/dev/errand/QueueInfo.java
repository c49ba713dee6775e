package dev.errand;

import java.util.EnumSet;
import java.util.Map;
import java.util.Set;

/**
 * What a queue holds right now.
 *
 * @param name the queue's name
 * @param paused whether fetching from it is paused (on every node)
 * @param counts how many jobs it holds in each state; states with none are absent
 * @param estimated the states whose count is an estimate rather than exact: only a list asked for
 *     with a bound ({@link Queues#list(long)}) has any, for states past the bound
 */
public record QueueInfo(
    String name, boolean paused, Map<JobState, Long> counts, Set<JobState> estimated) {
  public QueueInfo {
    counts = Map.copyOf(counts);
    estimated = estimated.isEmpty() ? Set.of() : Set.copyOf(EnumSet.copyOf(estimated));
  }

  /** A queue whose every count is exact. */
  public QueueInfo(String name, boolean paused, Map<JobState, Long> counts) {
    this(name, paused, counts, Set.of());
  }

  /** How many jobs are in {@code state}. */
  public long count(JobState state) {
    return counts.getOrDefault(state, 0L);
  }

  /** Whether the count of {@code state} is an estimate. */
  public boolean isEstimated(JobState state) {
    return estimated.contains(state);
  }
}
