package dev.errand;

import java.util.Map;

/**
 * What a queue holds right now.
 *
 * @param name the queue's name
 * @param paused whether fetching from it is paused (on every node)
 * @param counts how many jobs it holds in each state; states with none are absent
 */
public record QueueInfo(String name, boolean paused, Map<JobState, Long> counts) {
  public QueueInfo {
    counts = Map.copyOf(counts);
  }

  /** How many jobs are in {@code state}. */
  public long count(JobState state) {
    return counts.getOrDefault(state, 0L);
  }
}
