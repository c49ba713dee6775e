package dev.errand.postgres;

import java.sql.SQLException;
import java.time.Duration;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Debounces the notifications of single enqueues, which request handlers make one at a time and
 * often many at once. Each NOTIFY takes a lock that serializes committing transactions and wakes
 * every listening node; one per queue per window ({@link PostgresStore.Builder#notifyWindow}) is
 * enough. An enqueue whose queue was announced less than a window ago commits without notifying,
 * and one trailing notification at the window's end, sent after that commit, announces it with
 * every other such enqueue. So no committed job goes unannounced; it is announced at most one
 * window late to other nodes (this node's own producers are woken by the enqueue itself).
 */
final class NotifyDebouncer implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(NotifyDebouncer.class);

  /** Sends one notification for each of some queues. */
  interface Sender {
    void send(List<String> queues) throws SQLException;
  }

  private final long windowNanos;
  private final Sender sender;

  /** When each queue was last announced ({@link System#nanoTime()}). */
  private final Map<String, Long> lastSent = new HashMap<>();

  /** Queues with committed, unannounced enqueues, for the trailing notification. */
  private final Set<String> pending = new LinkedHashSet<>();

  private boolean trailingScheduled;
  private ScheduledExecutorService timer;
  private boolean closed;

  NotifyDebouncer(Duration window, Sender sender) {
    this.windowNanos = window.toNanos();
    this.sender = sender;
  }

  /** Before an enqueue into {@code queue}: whether its own statement should notify. */
  synchronized boolean notifyNow(String queue) {
    long now = System.nanoTime();
    Long last = lastSent.get(queue);
    if (last == null || now - last >= windowNanos) {
      lastSent.put(queue, now);
      return true;
    }
    return false;
  }

  /**
   * After an enqueue into {@code queue} committed an available job without notifying: the trailing
   * notification will announce it.
   */
  synchronized void committedQuietly(String queue) {
    pending.add(queue);
    if (trailingScheduled || closed) {
      return;
    }
    trailingScheduled = true;
    if (timer == null) {
      timer =
          Executors.newSingleThreadScheduledExecutor(
              r -> Thread.ofPlatform().name("errand-pg-notify").daemon(true).unstarted(r));
    }
    long delay = lastSent.getOrDefault(queue, 0L) + windowNanos - System.nanoTime();
    timer.schedule(this::sendTrailing, Math.max(delay, 0), TimeUnit.NANOSECONDS);
  }

  private void sendTrailing() {
    List<String> queues;
    synchronized (this) {
      queues = List.copyOf(pending);
      pending.clear();
      trailingScheduled = false;
      // lastSent stays: counting this one would keep a steady stream of enqueues a little under
      // one per window in the quiet mode, each then costing a trailing statement of its own.
    }
    try {
      sender.send(queues);
    } catch (SQLException | RuntimeException e) {
      // The nodes' polling picks these jobs up; a wake-up is a hint.
      log.debug("could not send the trailing notification for queues {}", queues, e);
    }
  }

  @Override
  public void close() {
    ScheduledExecutorService t;
    synchronized (this) {
      closed = true;
      t = timer;
    }
    if (t != null) {
      // Runs a trailing notification already due, so that no committed enqueue goes unannounced.
      t.shutdown();
      try {
        t.awaitTermination(1, TimeUnit.SECONDS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
  }
}
