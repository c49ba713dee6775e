package dev.errand.server;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.errand.AttemptTotals;
import dev.errand.Errand;
import dev.errand.JobInfo;
import dev.errand.JobQuery;
import dev.errand.JobState;
import dev.errand.NodeInfo;
import dev.errand.QueueInfo;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The last hour of the store's activity for the overview page, sampled every {@link #STEP} in the
 * server's memory once the dashboard was first opened (a server nobody looks at reads nothing): per
 * queue, the attempts completed and failed (the live nodes' own totals, as each reports them to the
 * node registry every few seconds), the jobs running, and the age of the oldest job waiting. A
 * restart starts a new history.
 */
final class DashboardHistory implements AutoCloseable {
  /** How often a sample is taken. */
  static final Duration STEP = Duration.ofSeconds(5);

  /** How far back the history goes. */
  static final Duration SPAN = Duration.ofHours(1);

  /**
   * Rates are taken over at least this long: the nodes report their totals every 10 seconds by
   * default, so a shorter window would show their reports, not the work.
   */
  static final Duration RATE_WINDOW = Duration.ofSeconds(20);

  /** The waiting jobs read, lowest ids first, to find the oldest run time among them. */
  private static final int LATENCY_PAGE = 100;

  private static final Logger log = LoggerFactory.getLogger(DashboardHistory.class);

  /** One queue at one sample. */
  record QueueSample(
      long completed, long failed, long running, long available, double latencySeconds) {}

  record Sample(Instant at, Map<String, QueueSample> queues) {}

  private final Errand errand;
  private final Clock clock;
  private final ArrayDeque<Sample> samples = new ArrayDeque<>();
  private ScheduledExecutorService timer;

  DashboardHistory(Errand errand, Clock clock) {
    this.errand = errand;
    this.clock = clock;
  }

  /** Starts sampling, if it has not yet: the first sample is taken now. */
  synchronized void open() {
    if (timer != null) {
      return;
    }
    timer =
        Executors.newSingleThreadScheduledExecutor(
            r -> {
              Thread thread = new Thread(r, "errand-dashboard-history");
              thread.setDaemon(true);
              return thread;
            });
    timer.scheduleWithFixedDelay(this::sampleQuietly, 0, STEP.toMillis(), TimeUnit.MILLISECONDS);
  }

  @Override
  public synchronized void close() {
    if (timer != null) {
      timer.shutdownNow();
    }
  }

  private void sampleQuietly() {
    try {
      sample();
    } catch (RuntimeException e) {
      // The store may be down for a while: the chart has a gap, the next sample tries again.
      log.debug("dashboard: a sample of the store failed: {}", e.toString());
    }
  }

  /** Takes one sample now. */
  void sample() {
    Instant now = clock.instant();
    Map<String, long[]> attempts = new TreeMap<>();
    List<NodeInfo> nodes;
    try {
      nodes = errand.nodes();
    } catch (UnsupportedOperationException e) {
      nodes = List.of();
    }
    for (NodeInfo node : nodes) {
      for (Map.Entry<String, AttemptTotals> entry : node.attempts().entrySet()) {
        long[] sum = attempts.computeIfAbsent(entry.getKey(), q -> new long[2]);
        sum[0] += entry.getValue().completed();
        sum[1] += entry.getValue().failed();
      }
    }
    Map<String, QueueSample> queues = new TreeMap<>();
    for (QueueInfo queue : errand.queues().list(Dashboard.COUNTS_EXACT_UP_TO)) {
      long available = queue.count(JobState.AVAILABLE);
      double latency = available > 0 ? latencySeconds(errand, queue.name(), now) : 0;
      long[] sum = attempts.getOrDefault(queue.name(), new long[2]);
      queues.put(
          queue.name(),
          new QueueSample(sum[0], sum[1], queue.count(JobState.RUNNING), available, latency));
    }
    synchronized (this) {
      samples.addLast(new Sample(now, queues));
      while (!samples.isEmpty() && samples.getFirst().at().isBefore(now.minus(SPAN))) {
        samples.removeFirst();
      }
    }
  }

  /**
   * How long the oldest of the first waiting jobs of {@code queue} has been due, in seconds: the
   * queue's latency, 0 when none waits. Only the lowest ids are read, so on a big backlog an older
   * job further on is missed; jobs are mostly due in the order they came.
   */
  static double latencySeconds(Errand errand, String queue, Instant now) {
    Instant oldest = null;
    for (JobInfo job :
        errand
            .jobs()
            .list(
                JobQuery.all()
                    .withStates(JobState.AVAILABLE)
                    .withQueue(queue)
                    .withLimit(LATENCY_PAGE))
            .jobs()) {
      if (oldest == null || job.scheduledAt().isBefore(oldest)) {
        oldest = job.scheduledAt();
      }
    }
    return oldest != null && oldest.isBefore(now)
        ? Duration.between(oldest, now).toMillis() / 1000.0
        : 0;
  }

  /** The samples, oldest first. */
  synchronized List<Sample> samples() {
    return new ArrayList<>(samples);
  }

  /**
   * The history as the overview's script reads it: {@code t} (epoch seconds), then per queue and
   * for all ({@code ""}) the series {@code completed} and {@code failed} (per second, over {@link
   * #RATE_WINDOW}), {@code running}, {@code available} and {@code latency} (seconds).
   */
  ObjectNode json() {
    List<Sample> all = samples();
    ObjectNode root = Body.MAPPER.createObjectNode();
    ArrayNode t = root.putArray("t");
    for (Sample sample : all) {
      t.add(sample.at().getEpochSecond());
    }
    ObjectNode series = root.putObject("queues");
    java.util.Set<String> names = new java.util.TreeSet<>();
    all.forEach(sample -> names.addAll(sample.queues().keySet()));
    names.add("");
    for (String name : names) {
      ObjectNode queue = series.putObject(name);
      ArrayNode completed = queue.putArray("completed");
      ArrayNode failed = queue.putArray("failed");
      ArrayNode running = queue.putArray("running");
      ArrayNode available = queue.putArray("available");
      ArrayNode latency = queue.putArray("latency");
      for (int i = 0; i < all.size(); i++) {
        QueueSample now = of(all.get(i), name);
        int from = i;
        while (from > 0
            && Duration.between(all.get(from).at(), all.get(i).at()).compareTo(RATE_WINDOW) < 0) {
          from--;
        }
        if (from == i) {
          completed.addNull();
          failed.addNull();
        } else {
          QueueSample then = of(all.get(from), name);
          double seconds =
              Duration.between(all.get(from).at(), all.get(i).at()).toMillis() / 1000.0;
          // A node that stopped takes its totals with it: never a negative rate.
          completed.add(round(Math.max(0, now.completed() - then.completed()) / seconds));
          failed.add(round(Math.max(0, now.failed() - then.failed()) / seconds));
        }
        running.add(now.running());
        available.add(now.available());
        latency.add(round(now.latencySeconds()));
      }
    }
    return root;
  }

  /** A queue at a sample, or all queues together for {@code ""}. */
  private static QueueSample of(Sample sample, String name) {
    if (!name.isEmpty()) {
      return sample.queues().getOrDefault(name, new QueueSample(0, 0, 0, 0, 0));
    }
    long completed = 0;
    long failed = 0;
    long running = 0;
    long available = 0;
    double latency = 0;
    for (QueueSample queue : sample.queues().values()) {
      completed += queue.completed();
      failed += queue.failed();
      running += queue.running();
      available += queue.available();
      latency = Math.max(latency, queue.latencySeconds());
    }
    return new QueueSample(completed, failed, running, available, latency);
  }

  private static double round(double value) {
    return Math.round(value * 100) / 100.0;
  }
}
