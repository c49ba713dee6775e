package dev.errand.examples;

import dev.errand.Errand;
import dev.errand.JobEvent.Result;
import dev.errand.JobState;
import dev.errand.QueueInfo;
import java.io.PrintStream;
import java.time.Duration;
import java.util.EnumMap;
import java.util.Locale;
import java.util.Map;

/**
 * Waits until every job of an {@link Errand} has ended, printing a progress line every half second.
 * Reads the queue counts through {@link Errand#queues()} and the finished attempts from a {@link
 * Tally}. Use from one thread.
 */
final class ProgressMonitor {

  private static final Duration PRINT_EVERY = Duration.ofMillis(500);
  // Checked more often than printed so that the demo ends soon after its last job.
  private static final Duration CHECK_EVERY = Duration.ofMillis(100);

  private final Errand errand;
  private final Tally tally;
  private final PrintStream out;

  ProgressMonitor(Errand errand, Tally tally, PrintStream out) {
    this.errand = errand;
    this.tally = tally;
    this.out = out;
  }

  /**
   * Blocks until no job is left to run, printing progress, or until {@code limit} has passed since
   * {@code startNanos}.
   *
   * @return whether every job ended
   */
  boolean awaitAllEnded(long startNanos, Duration limit) throws InterruptedException {
    long nextPrint = startNanos + PRINT_EVERY.toNanos();
    while (true) {
      Map<JobState, Long> states = states();
      long now = System.nanoTime();
      boolean ended = allEnded(states);
      if (ended || now >= nextPrint) {
        print(states, Duration.ofNanos(now - startNanos));
        nextPrint = now + PRINT_EVERY.toNanos();
      }
      if (ended) {
        return true;
      }
      if (now - startNanos >= limit.toNanos()) {
        return false;
      }
      Thread.sleep(CHECK_EVERY);
    }
  }

  /** How many jobs are in each state, over all queues; states with none are absent. */
  Map<JobState, Long> states() {
    Map<JobState, Long> total = new EnumMap<>(JobState.class);
    for (QueueInfo queue : errand.queues().list()) {
      queue.counts().forEach((state, count) -> total.merge(state, count, Long::sum));
    }
    return total;
  }

  // The store records a result before listeners hear of it, so "nothing left to run" alone could
  // end the demo before the tally has its last count; the states must be read before the tally.
  private boolean allEnded(Map<JobState, Long> states) {
    long ended = 0;
    for (Map.Entry<JobState, Long> entry : states.entrySet()) {
      if (entry.getKey().isFinal()) {
        ended += entry.getValue();
      } else if (entry.getValue() > 0) {
        return false;
      }
    }
    return tally.ended() == ended;
  }

  // "running" is the store's RUNNING count: it includes attempts that have returned but whose
  // result the engine's completer has not written yet (it writes them in batches), so under load
  // it can exceed the queues' total concurrency.
  private void print(Map<JobState, Long> states, Duration elapsed) {
    long waiting =
        count(states, JobState.AVAILABLE)
            + count(states, JobState.SCHEDULED)
            + count(states, JobState.RETRYABLE);
    out.printf(
        Locale.ROOT,
        "%6.1f s   completed %,7d   running %,3d   waiting %,7d   retried %,d%n",
        elapsed.toMillis() / 1000.0,
        tally.count(Result.COMPLETED),
        count(states, JobState.RUNNING),
        waiting,
        tally.count(Result.RETRYING));
  }

  private static long count(Map<JobState, Long> states, JobState state) {
    return states.getOrDefault(state, 0L);
  }
}
