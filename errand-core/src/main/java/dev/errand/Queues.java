package dev.errand;

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
    Map<String, QueueInfo> byName = new TreeMap<>();
    for (String name : config.queues().keySet()) {
      byName.put(name, new QueueInfo(name, false, Map.of()));
    }
    for (QueueInfo queue : config.store().queueList()) {
      byName.put(queue.name(), queue);
    }
    return new ArrayList<>(byName.values());
  }

  /** One queue, as in {@link #list()}. */
  public Optional<QueueInfo> get(String name) {
    return list().stream().filter(q -> q.name().equals(name)).findFirst();
  }
}
