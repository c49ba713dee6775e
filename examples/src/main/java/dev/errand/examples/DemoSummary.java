package dev.errand.examples;

import dev.errand.JobState;
import java.io.PrintStream;
import java.time.Duration;
import java.util.Locale;
import java.util.Map;

/**
 * What one run of the {@link DemoApp} did, counted from Errand's job events and the store.
 *
 * @param finished whether every job ended before the time limit
 * @param completed jobs that completed
 * @param retried failed attempts that were retried
 * @param discarded jobs that failed for good
 * @param cancelled jobs that were cancelled
 * @param itemsImported distinct items the import stored
 * @param emailsSent e-mails the outbox sent
 * @param jobStates how many jobs the store held in each state at the end
 * @param elapsed from the first enqueue until every job ended (or the time limit)
 */
public record DemoSummary(
    boolean finished,
    long completed,
    long retried,
    long discarded,
    long cancelled,
    int itemsImported,
    int emailsSent,
    Map<JobState, Long> jobStates,
    Duration elapsed) {

  public DemoSummary {
    jobStates = Map.copyOf(jobStates);
  }

  /** Whether every job ended and none was discarded or cancelled: the demo expects neither. */
  public boolean succeeded() {
    return finished && discarded == 0 && cancelled == 0;
  }

  /** How many jobs the store held at the end. */
  public long jobs() {
    return jobStates.values().stream().mapToLong(Long::longValue).sum();
  }

  /** Prints the summary for a reader. */
  void print(PrintStream out) {
    double seconds = elapsed.toMillis() / 1000.0;
    if (finished) {
      out.printf(Locale.ROOT, "%nAll %,d jobs ended in %.1f s.%n", jobs(), seconds);
    } else {
      long left = jobs() - completed - discarded - cancelled;
      out.printf(Locale.ROOT, "%nGave up after %.1f s with %,d jobs not ended.%n", seconds, left);
    }
    out.printf(
        Locale.ROOT,
        "  completed %,7d   (%,d items imported, %,d e-mails sent)%n",
        completed,
        itemsImported,
        emailsSent);
    out.printf(Locale.ROOT, "  retried   %,7d   (failed attempts that were retried)%n", retried);
    out.printf(Locale.ROOT, "  discarded %,7d%n", discarded);
    if (cancelled > 0) {
      out.printf(Locale.ROOT, "  cancelled %,7d%n", cancelled);
    }
    out.printf(Locale.ROOT, "  elapsed   %7.1f s%n", seconds);
  }
}
