package dev.errand.internal.engine;

import dev.errand.JobInfo;
import dev.errand.QueueConfig;
import dev.errand.spi.JobFetchParams;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Feeds one queue's executor: fetches as many jobs as it has free slots in one store call, and
 * fetches again when woken (a job became available, or a slot freed while more jobs are likely
 * waiting), or after the poll interval when no wake-up comes.
 */
final class Producer extends Service {
  private final QueueConfig queue;
  private final Engine engine;
  private final ExecutorService executor;
  private final AtomicInteger active = new AtomicInteger();

  /**
   * Attempts fetched here whose result is not yet written: running ones plus those waiting for the
   * completer. Bounded (see {@link #unwrittenMax}), so a completer that falls behind (a slow or
   * unreachable store) holds back fetching instead of letting claimed jobs pile up.
   */
  private final AtomicInteger unwritten = new AtomicInteger();

  /**
   * The concurrency plus one full completer batch. Twice the concurrency was the bound before, and
   * it starved short jobs: with 100 slots, no-op jobs finished faster than results were written, so
   * fetching waited on the completer's round-trip instead of overlapping with it (burn-down on
   * PostgreSQL about 15 % slower).
   */
  private final int unwrittenMax;

  /**
   * Whether the queue probably holds more jobs than we took: the last fetch was full, or a wake-up
   * arrived since. A freed slot triggers a fetch only then, so an idle queue costs no queries
   * beyond the poll.
   */
  private volatile boolean moreLikely = true;

  private long lastFetchNanos = System.nanoTime() - Duration.ofDays(1).toNanos();

  Producer(QueueConfig queue, Engine engine) {
    super("producer-" + queue.name());
    this.queue = queue;
    this.engine = engine;
    this.unwrittenMax = queue.concurrency() + engine.config().completerBatchMax();
    this.executor =
        switch (queue.threads()) {
          case VIRTUAL ->
              Executors.newThreadPerTaskExecutor(
                  Thread.ofVirtual().name("errand-" + queue.name() + "-", 0).factory());
          case PLATFORM ->
              Executors.newFixedThreadPool(
                  queue.concurrency(),
                  Thread.ofPlatform()
                      .name("errand-" + queue.name() + "-", 0)
                      .daemon(true)
                      .factory());
        };
  }

  ExecutorService executor() {
    return executor;
  }

  @Override
  protected Duration runOnce() {
    Duration poll = engine.config().pollInterval();
    int free = Math.min(queue.concurrency() - active.get(), unwrittenMax - unwritten.get());
    if (free <= 0 || isStopping()) {
      return poll;
    }
    // Right after a fetch, wait a moment for more slots to free up instead of claiming them one
    // at a time: under load this turns many tiny claims into few large ones. An idle queue
    // fetched long ago, or one with most slots free, fetches at once, so pickup stays fast.
    long sinceLastFetch = System.nanoTime() - lastFetchNanos;
    long cooldown = engine.config().fetchCooldown().toNanos();
    if (sinceLastFetch < cooldown && free < queue.concurrency() / 2) {
      return Duration.ofNanos(cooldown - sinceLastFetch);
    }
    int limit = Math.min(free, engine.config().fetchBatchMax());
    Instant now = engine.config().clock().instant();
    lastFetchNanos = System.nanoTime();
    // Cleared before the fetch: a wake-up that arrives during it sets it again.
    moreLikely = false;
    List<JobInfo> jobs =
        engine
            .store()
            .jobFetch(
                new JobFetchParams(
                    queue.name(),
                    limit,
                    engine.config().nodeId(),
                    now,
                    now.plus(engine.config().leaseDuration())));
    for (JobInfo job : jobs) {
      active.incrementAndGet();
      unwritten.incrementAndGet();
      engine.launch(job, this);
    }
    if (jobs.size() == limit) {
      moreLikely = true;
      return Duration.ZERO;
    }
    return poll;
  }

  /** A job became available in this queue. */
  void jobAvailable() {
    moreLikely = true;
    wake();
  }

  /** An attempt fetched here had its result written, or was dropped. */
  void resultWritten() {
    unwritten.decrementAndGet();
    if (moreLikely) {
      wake();
    }
  }

  /** One of this queue's attempts finished running here. */
  void slotFreed() {
    active.decrementAndGet();
    if (moreLikely) {
      wake();
    }
  }
}
