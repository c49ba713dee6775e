package dev.errand.internal.engine;

import dev.errand.AttemptTotals;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.LongAdder;

/**
 * The attempts this node's workers ended, per queue, since it started: completed and failed, as the
 * store recorded them. The node reports them with its registry entry ({@link
 * dev.errand.internal.maintain.NodeReporter}).
 */
public final class AttemptCounts {
  private record Counters(LongAdder completed, LongAdder failed) {}

  private final Map<String, Counters> byQueue = new ConcurrentHashMap<>();

  /** One attempt of {@code queue} ended: completed, or failed. */
  void count(String queue, boolean completed) {
    Counters counters =
        byQueue.computeIfAbsent(queue, q -> new Counters(new LongAdder(), new LongAdder()));
    (completed ? counters.completed() : counters.failed()).increment();
  }

  /** The totals now, by queue name. */
  public Map<String, AttemptTotals> totals() {
    Map<String, AttemptTotals> totals = new TreeMap<>();
    byQueue.forEach(
        (queue, counters) ->
            totals.put(
                queue, new AttemptTotals(counters.completed().sum(), counters.failed().sum())));
    return totals;
  }
}
