package dev.errand.internal.engine;

import dev.errand.Config;
import dev.errand.JobInfo;
import dev.errand.QueueConfig;
import dev.errand.spi.JobFetchParams;
import dev.errand.spi.JobRef;
import dev.errand.spi.JobRules;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.PriorityQueue;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Feeds one queue's executor: claims as many jobs as it has room for in one store call, and claims
 * again when woken (a job became available, or a slot freed while more jobs are likely waiting), or
 * after the poll interval when no wake-up comes.
 *
 * <p>Its room is the free slots plus a small buffer of claimed jobs that wait for a slot: as many
 * as the queue finished in the last {@link #BUFFER_WINDOW} on this node, at most {@link
 * #BUFFER_MAX_PER_SLOT} per slot. A queue of short jobs then claims in batches several times the
 * concurrency (each store call has a fixed cost, which the batch shares: a burn-down of no-op jobs
 * on PostgreSQL at concurrency 100 ran about 1.7 times faster with claims four times larger), while
 * a queue of long jobs, which finishes few per window, buffers next to nothing, so no node sits on
 * jobs that another could start. Buffered jobs are held like running ones: their leases are
 * renewed, a cancellation drops them, and shutdown gives them back.
 *
 * <p>It owns the attempts it claims ({@link HeldAttempt}) until their results are written: it runs
 * each in a slot of its executor through the {@link AttemptRunner}, hands the result to the {@link
 * Completer}, and forgets the attempt when the completer reports it written ({@link
 * ResultWritten}).
 */
final class Producer extends Service implements ResultWritten {
  /** How far back the finished jobs that size the buffer are counted. */
  static final Duration BUFFER_WINDOW = Duration.ofMillis(100);

  /** The buffer holds at most this many jobs per slot of the queue. */
  static final int BUFFER_MAX_PER_SLOT = 3;

  /** How long the store's announcement of an enqueue made on this node is awaited. */
  static final Duration ECHO_WINDOW = Duration.ofSeconds(1);

  /** An announcement the store will send of an enqueue made on this node. */
  static final class Echo {
    private final long expiresNanos = System.nanoTime() + ECHO_WINDOW.toNanos();
  }

  private final QueueConfig queue;
  private final Config config;
  private final AttemptRunner runner;
  private final Completer completer;
  private final AttemptReporter reporter;

  /**
   * The kinds this node has workers for: the only ones it claims. A job of another kind (meant for
   * a worker in another language, or a kind that a rolling deploy has not brought to this node yet)
   * stays available for a node that can run it, instead of failing here attempt after attempt.
   */
  private final Set<String> kinds;

  private final ExecutorService executor;

  /**
   * Every attempt claimed here whose result is not yet written, by job id: waiting for a slot,
   * running, or waiting for the completer.
   */
  private final Map<Long, HeldAttempt> held = new ConcurrentHashMap<>();

  /** Attempts launched in a slot and not yet finished there. */
  private final AtomicInteger active = new AtomicInteger();

  /** Signalled whenever an attempt leaves its slot; shutdown waits on it. */
  private final Wakeup attemptEnded = new Wakeup();

  /**
   * Claimed jobs waiting for a slot, in fetch order (priority, run time, id); only the producer's
   * thread touches it. Not first come, first served: an urgent job claimed while a backlog's jobs
   * fill the buffer starts before them, instead of after up to three batches of them (during a
   * burn-down with arrivals, that wait was most of the arrivals' pickup latency).
   */
  private final PriorityQueue<HeldAttempt> waiting =
      new PriorityQueue<>(Comparator.comparing((HeldAttempt a) -> a.info, JobRules.FETCH_ORDER));

  /** {@code waiting.size()}, readable by the threads that free slots. */
  private final AtomicInteger waitingCount = new AtomicInteger();

  /** Slots freed since {@link #windowStartNanos}. */
  private final AtomicInteger freedInWindow = new AtomicInteger();

  private long windowStartNanos = System.nanoTime();

  /** How many jobs may wait for a slot, from the last window's finished jobs. */
  private int bufferAllowance;

  /**
   * Announcements still to come of enqueues made on this node, which woke this producer at once:
   * the store's notification of each is then skipped, instead of costing a second, empty claim.
   * Only the store's notifier thread takes from it.
   */
  private final ConcurrentLinkedQueue<Echo> echoes = new ConcurrentLinkedQueue<>();

  /**
   * Attempts fetched here whose result is not yet written: running and waiting ones plus those
   * waiting for the completer. Bounded (see {@link #unwrittenMax}), so a completer that falls
   * behind (a slow or unreachable store) holds back fetching instead of letting claimed jobs pile
   * up.
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

  Producer(
      QueueConfig queue,
      Config config,
      AttemptRunner runner,
      Completer completer,
      AttemptReporter reporter) {
    super("producer-" + queue.name());
    this.queue = queue;
    this.config = config;
    this.runner = runner;
    this.completer = completer;
    this.reporter = reporter;
    this.kinds = Set.copyOf(config.workers().keySet());
    this.unwrittenMax = queue.concurrency() + config.completerBatchMax();
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

  @Override
  protected Duration runOnce() {
    Duration poll = config.pollInterval();
    if (isStopping() || kinds.isEmpty()) {
      return poll; // no kinds to claim: an empty kind filter would mean "any kind"
    }
    startWaiting();
    sizeBuffer();
    int capacity = queue.concurrency() + bufferAllowance;
    int room = Math.min(capacity - active.get() - waiting.size(), unwrittenMax - unwritten.get());
    if (room <= 0) {
      return poll;
    }
    // Right after a fetch, wait a moment for more room instead of claiming a few jobs at a time:
    // under load this turns many tiny claims into few large ones. An idle queue fetched long ago,
    // or one with most of its room free, fetches at once, so pickup stays fast.
    long sinceLastFetch = System.nanoTime() - lastFetchNanos;
    long cooldown = config.fetchCooldown().toNanos();
    if (sinceLastFetch < cooldown && room < capacity / 2) {
      return Duration.ofNanos(cooldown - sinceLastFetch);
    }
    int limit = Math.min(room, config.fetchBatchMax());
    Instant now = config.clock().instant();
    lastFetchNanos = System.nanoTime();
    // Cleared before the fetch: a wake-up that arrives during it sets it again.
    moreLikely = false;
    List<JobInfo> jobs =
        config
            .store()
            .jobFetch(
                new JobFetchParams(
                    queue.name(),
                    kinds,
                    limit,
                    config.nodeId(),
                    now,
                    now.plus(config.leaseDuration())));
    for (JobInfo job : jobs) {
      unwritten.incrementAndGet();
      // Held from here on: its lease is renewed, and cancellation and shutdown reach it, whether
      // it runs at once or waits for a slot.
      HeldAttempt attempt = new HeldAttempt(job, this);
      held.put(job.id(), attempt);
      waiting.add(attempt);
      waitingCount.incrementAndGet();
    }
    startWaiting();
    if (jobs.size() == limit) {
      moreLikely = true;
      return Duration.ZERO;
    }
    return poll;
  }

  /** Starts waiting jobs, first in fetch order first, in the free slots. */
  private void startWaiting() {
    while (!waiting.isEmpty() && active.get() < queue.concurrency()) {
      HeldAttempt attempt = waiting.poll();
      waitingCount.decrementAndGet();
      active.incrementAndGet();
      launch(attempt);
    }
  }

  /** Runs a held attempt in one of the slots. */
  private void launch(HeldAttempt attempt) {
    try {
      executor.execute(() -> run(attempt));
    } catch (RejectedExecutionException e) {
      slotFreed();
      release(attempt);
    }
  }

  /** One slot's task: runs the attempt, unless it was dropped while it waited. */
  private void run(HeldAttempt attempt) {
    // Cancelled, or its lease lost, while it waited for a slot: it must not start.
    if (attempt.cancelled && attempt.settle()) {
      forget(attempt);
    }
    if (!attempt.isSettled()) {
      AttemptResult result = runner.run(attempt);
      if (attempt.settle()) {
        if (attempt.cancelled) {
          forget(attempt); // the job is no longer ours: its result is dropped
        } else {
          attempt.result = result;
          completer.submit(attempt);
        }
      }
    }
    slotFreed();
    attemptEnded.signal();
  }

  /** Gives a held attempt back to the store as available, unless its fate is already decided. */
  private boolean release(HeldAttempt attempt) {
    if (!attempt.settle()) {
      return false;
    }
    attempt.result =
        AttemptResult.released(attempt.ref(), config.clock().instant(), attempt.elapsed());
    completer.submit(attempt);
    return true;
  }

  /** Once per {@link #BUFFER_WINDOW}: the buffer may hold what the last window finished. */
  private void sizeBuffer() {
    long now = System.nanoTime();
    long elapsed = now - windowStartNanos;
    if (elapsed < BUFFER_WINDOW.toNanos()) {
      return;
    }
    // Scaled to one window: after a quiet spell the producer may look only much later.
    long perWindow = freedInWindow.getAndSet(0) * BUFFER_WINDOW.toNanos() / elapsed;
    bufferAllowance = (int) Math.min(perWindow, (long) queue.concurrency() * BUFFER_MAX_PER_SLOT);
    windowStartNanos = now;
  }

  /**
   * Gives the jobs still waiting for a slot back to the store; called once this producer has
   * stopped, so nothing else touches the buffer.
   */
  void releaseWaiting() {
    HeldAttempt attempt;
    while ((attempt = waiting.poll()) != null) {
      waitingCount.decrementAndGet();
      release(attempt);
    }
  }

  /**
   * Waits until every attempt held here is settled (its result handed to the completer, or
   * dropped), or until {@code deadlineNanos} ({@link System#nanoTime()}); called once this producer
   * has stopped.
   */
  void awaitSettled(long deadlineNanos) {
    while (countUnsettled() > 0) {
      long remaining = deadlineNanos - System.nanoTime();
      if (remaining <= 0) {
        return;
      }
      try {
        attemptEnded.await(
            Duration.ofNanos(Math.min(remaining, TimeUnit.MILLISECONDS.toNanos(100))));
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return;
      }
    }
  }

  private int countUnsettled() {
    int count = 0;
    for (HeldAttempt attempt : held.values()) {
      if (!attempt.isSettled()) {
        count++;
      }
    }
    return count;
  }

  /**
   * Gives every attempt still running here back to the store and interrupts it, after the drain
   * period; returns how many there were.
   */
  int releaseRunning() {
    int released = 0;
    for (HeldAttempt attempt : held.values()) {
      if (release(attempt)) {
        attempt.interrupt();
        released++;
      }
    }
    return released;
  }

  /** Interrupts whatever still runs in the slots; the last step of shutdown. */
  void shutdownExecutor() {
    executor.shutdownNow();
  }

  /**
   * Stops the attempt of job {@code id}, if held here, because the job is no longer ours
   * (cancelled, lease lost): it does not start, or is interrupted, and whatever it returns is
   * dropped.
   */
  void stopLocally(long id, String why) {
    stopLocally(Set.of(id), why);
  }

  /**
   * Stops the attempts of {@code ids} held here: marks every one before interrupting any, so that
   * the slot an interrupted one frees cannot start another of them that waited for it.
   */
  void stopLocally(Set<Long> ids, String why) {
    List<HeldAttempt> stopping = new ArrayList<>();
    for (long id : ids) {
      HeldAttempt attempt = held.get(id);
      if (attempt != null && !attempt.isSettled()) {
        attempt.cancelled = true;
        stopping.add(attempt);
      }
    }
    for (HeldAttempt attempt : stopping) {
      reporter.stopping(attempt, why);
      attempt.interrupt();
    }
  }

  /**
   * Interrupts every attempt held here that runs past its deadline at {@code nowNanos}, and records
   * as timed out each whose worker has ignored that interrupt for {@link
   * TimeoutSweeper#STUCK_AFTER}. Such a worker's thread keeps its slot until it returns, and what
   * it returns is dropped: the queue never runs more attempts at once than its concurrency, even
   * when some are stuck (a thread of a platform pool could not be handed another job anyway).
   */
  void interruptOverdue(long nowNanos) {
    for (HeldAttempt attempt : held.values()) {
      if (attempt.interruptIfOverdue(nowNanos)) {
        // Built before settling: should it throw, the attempt is still undecided, and the next
        // sweep tries again.
        AttemptResult result = runner.stuck(attempt);
        if (attempt.settle()) {
          attempt.result = result;
          reporter.stuck(attempt);
          completer.submit(attempt);
        }
      }
    }
  }

  /** Adds the attempts held here, whose leases are to be renewed, to {@code refs}. */
  void addHeldTo(List<JobRef> refs) {
    for (HeldAttempt attempt : held.values()) {
      refs.add(attempt.ref());
    }
  }

  int heldCount() {
    return held.size();
  }

  /**
   * Notes, before an enqueue on this node, that the store will announce it. Recorded before the
   * insert, so the announcement, which comes only on commit, cannot arrive first.
   */
  Echo expectEcho() {
    Echo echo = new Echo();
    echoes.add(echo);
    return echo;
  }

  /** The enqueue behind {@code echo} made no job available here (or failed): nothing will come. */
  void cancelEcho(Echo echo) {
    echoes.remove(echo);
  }

  /**
   * The store announced available jobs in this queue. One that answers an enqueue made here is
   * skipped: that enqueue woke this producer already. A skipped announcement that was in fact
   * another node's costs that job at most the wait for this producer's next claim; wake-ups are
   * hints, and an echo that never comes expires after {@link #ECHO_WINDOW}.
   */
  void announced() {
    long now = System.nanoTime();
    Echo echo;
    while ((echo = echoes.poll()) != null) {
      if (echo.expiresNanos - now > 0) {
        return;
      }
    }
    jobAvailable();
  }

  /** The store's notifications were interrupted: expect no echo of earlier enqueues. */
  void forgetEchoes() {
    echoes.clear();
  }

  /** A job became available in this queue. */
  void jobAvailable() {
    moreLikely = true;
    wake();
  }

  @Override
  public void resultWritten(HeldAttempt attempt, boolean applied) {
    forget(attempt);
    reporter.written(attempt, applied);
  }

  /** An attempt fetched here had its result written, or was dropped. */
  private void forget(HeldAttempt attempt) {
    held.remove(attempt.info.id(), attempt);
    unwritten.decrementAndGet();
    if (moreLikely) {
      wake();
    }
  }

  /** One of this queue's attempts finished running here. */
  private void slotFreed() {
    active.decrementAndGet();
    freedInWindow.incrementAndGet();
    if (moreLikely || waitingCount.get() > 0) {
      wake();
    }
  }
}
