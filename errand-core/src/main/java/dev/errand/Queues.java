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

  /** Stops every node from fetching jobs of {@code queue}; running jobs finish. */
  public void pause(String queue) {
    Config.checkQueueName(queue);
    config.store().queuePause(queue);
  }

  /** Lets every node fetch jobs of {@code queue} again. */
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
