package dev.errand;

import dev.errand.spi.QueueListParams;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;

/** Pausing, resuming and counting queues, from {@link Errand#queues()}. Thread-safe. */
public final class Queues {
  private final Config config;

  Queues(Config config) {
    this.config = config;
  }

  /**
   * Stops every node from fetching jobs of {@code queue}; running jobs finish. A queue without jobs
   * can be paused ahead of its traffic: it is listed as paused, and jobs enqueued into it wait
   * until it is resumed. Pausing a paused queue changes nothing.
   *
   * @throws IllegalArgumentException if the name is not a valid queue name
   */
  public void pause(String queue) {
    Config.checkQueueName(queue);
    config.store().queuePause(queue);
  }

  /**
   * Lets every node fetch jobs of {@code queue} again. Resuming a queue that is not paused, or that
   * the store has never seen, changes nothing and is not an error; afterwards such a queue is
   * listed only if it holds jobs or is configured on this node.
   *
   * @throws IllegalArgumentException if the name is not a valid queue name
   */
  public void resume(String queue) {
    Config.checkQueueName(queue);
    config.store().queueResume(queue);
  }

  /**
   * Every queue that holds jobs, is paused, or is configured on this node, by name, with its
   * per-state counts.
   */
  public List<QueueInfo> list() {
    return merged(config.store().queueList());
  }

  /** The store's queues and, with no jobs, the ones configured on this node, by name. */
  private List<QueueInfo> merged(List<QueueInfo> stored) {
    Map<String, QueueInfo> byName = new TreeMap<>();
    for (String name : config.queues().keySet()) {
      byName.put(name, new QueueInfo(name, false, Map.of()));
    }
    for (QueueInfo queue : stored) {
      byName.put(queue.name(), queue);
    }
    return new ArrayList<>(byName.values());
  }

  /**
   * Every queue as in {@link #list()}, with counts that cost at most about {@code exactUpTo} jobs
   * read per state, however many the store holds: what a dashboard shows on every page. A count up
   * to {@code exactUpTo} is exact; past it, a store that can estimate without reading every job
   * (PostgreSQL, from its planner's statistics) gives an estimate and marks the state {@link
   * QueueInfo#isEstimated estimated}. A store whose exact counts are cheap anyway gives them all
   * exact. Not for decisions: {@link #list()} is exact.
   *
   * @throws IllegalArgumentException if {@code exactUpTo} is not positive
   */
  public List<QueueInfo> list(long exactUpTo) {
    if (exactUpTo < 1) {
      throw new IllegalArgumentException("exactUpTo must be positive, got " + exactUpTo);
    }
    return merged(config.store().queueList(new QueueListParams(exactUpTo)));
  }

  /** One queue, as in {@link #list()}. */
  public Optional<QueueInfo> get(String name) {
    return list().stream().filter(q -> q.name().equals(name)).findFirst();
  }
}
