package dev.errand.internal.maintain;

import dev.errand.AttemptTotals;
import dev.errand.Config;
import dev.errand.QueueConfig;
import dev.errand.internal.engine.Service;
import dev.errand.spi.NodePruneParams;
import dev.errand.spi.NodeRemoveParams;
import dev.errand.spi.NodeReportParams;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;

/**
 * Reports this node to the store's node registry every {@link Config#nodeReportInterval()}: the
 * queues it works with their concurrency, the kinds it has workers for, when it started, whether it
 * leads, its periodic jobs with their next slots. The entry counts for {@link Config#nodeExpiry()},
 * so a report or two lost to a store outage do not make a live node vanish, and a node that dies
 * drops out by itself. A stopped node removes its entry; the maintenance leader deletes the expired
 * entries of nodes that died, one small delete per turn.
 */
public final class NodeReporter extends Service {
  private final Config config;
  private final BooleanSupplier isLeader;
  private final Supplier<Map<String, AttemptTotals>> attempts;
  private final Map<String, Integer> queues = new LinkedHashMap<>();
  private final Set<String> kinds;
  private volatile Instant startedAt;

  public NodeReporter(
      Config config, BooleanSupplier isLeader, Supplier<Map<String, AttemptTotals>> attempts) {
    super("node-reporter");
    this.config = config;
    this.isLeader = isLeader;
    this.attempts = attempts;
    for (QueueConfig queue : config.queues().values()) {
      queues.put(queue.name(), queue.concurrency());
    }
    this.kinds = Set.copyOf(config.workers().keySet());
  }

  /** Starts reporting, with this moment as the node's start. */
  @Override
  public synchronized void start() {
    startedAt = config.clock().instant();
    super.start();
  }

  @Override
  protected Duration runOnce() {
    Instant now = config.clock().instant();
    config
        .store()
        .nodeReport(
            new NodeReportParams(
                config.nodeId(),
                queues,
                kinds,
                startedAt,
                now,
                now.plus(config.nodeExpiry()),
                isLeader.getAsBoolean(),
                config.periodicJobs().stream().map(p -> p.info(now)).toList(),
                attempts.get()));
    if (isLeader.getAsBoolean()) {
      int pruned = config.store().nodePrune(new NodePruneParams(now));
      if (pruned > 0) {
        log.info("removed {} nodes that stopped reporting from the node registry", pruned);
      }
    }
    return config.nodeReportInterval();
  }

  /** Never waits longer than an interval: the entry expires whether the store answers or not. */
  @Override
  protected Duration maxRetryDelay() {
    Duration interval = config.nodeReportInterval();
    return interval.compareTo(MAX_BACKOFF) < 0 ? interval : MAX_BACKOFF;
  }

  /** Stops, and removes this node's entry so that no other node counts it from now on. */
  @Override
  public void stop(Duration timeout) {
    super.stop(timeout);
    if (startedAt == null) {
      return;
    }
    try {
      config.store().nodeRemove(new NodeRemoveParams(config.nodeId()));
    } catch (RuntimeException e) {
      log.warn(
          "could not remove node {} from the node registry; its entry expires by itself within {}",
          config.nodeId(),
          config.nodeExpiry(),
          e);
    }
  }
}
