package dev.errand.examples;

import dev.errand.JobState;
import java.io.PrintStream;
import java.time.Duration;
import java.util.Locale;

/**
 * Prints a {@link DemoApp}'s progress as one line. On a terminal the line is rewritten in place at
 * every call (a carriage return, then the line padded over the previous one); elsewhere (a file, a
 * pipe, a CI log) a new line is printed every {@link #PLAIN_EVERY}, so that the log stays short.
 * Use from one thread.
 */
public final class ProgressPrinter {

  /** How often a new line is printed when the output is not a terminal. */
  static final Duration PLAIN_EVERY = Duration.ofSeconds(5);

  private final PrintStream out;
  private final boolean terminal;
  private int lastLength;
  private long lastCompleted;
  private Duration lastElapsed = Duration.ZERO;
  private Duration lastPlain;

  /** Prints to {@code out}, rewriting one line in place when {@code terminal}. */
  public ProgressPrinter(PrintStream out, boolean terminal) {
    this.out = out;
    this.terminal = terminal;
  }

  void print(DemoProgress progress) {
    if (!terminal
        && lastPlain != null
        && progress.elapsed().minus(lastPlain).compareTo(PLAIN_EVERY) < 0) {
      return;
    }
    long interval = progress.elapsed().minus(lastElapsed).toMillis();
    long rate =
        interval <= 0 ? 0 : Math.round((progress.completed() - lastCompleted) * 1000.0 / interval);
    lastCompleted = progress.completed();
    lastElapsed = progress.elapsed();
    String line = line(progress, rate);
    if (terminal) {
      // Pad over the previous line's end; the cursor stays on the line for the next rewrite.
      out.print("\r" + line + " ".repeat(Math.max(0, lastLength - line.length())));
      lastLength = line.length();
    } else {
      out.println(line);
      lastPlain = progress.elapsed();
    }
    out.flush();
  }

  /** Ends the progress line, so that what follows starts on a line of its own. */
  void finish() {
    if (terminal && lastLength > 0) {
      out.println();
      lastLength = 0;
    }
  }

  // "running" is the store's RUNNING count: it includes attempts that have returned but whose
  // result the engine's completer has not written yet (it writes them in batches).
  private static String line(DemoProgress p, long rate) {
    StringBuilder line =
        new StringBuilder(
            String.format(
                Locale.ROOT,
                "%5.1f s │ %,6d jobs/s │ done %,d · retried %,d · failed %,d │ waiting %,d",
                p.elapsed().toMillis() / 1000.0,
                rate,
                p.completed(),
                p.retried(),
                p.failed(),
                p.count(JobState.AVAILABLE) + p.count(JobState.SCHEDULED)));
    if (p.batches()) {
      line.append(String.format(Locale.ROOT, " · pending %,d", p.count(JobState.PENDING)));
    }
    line.append(
        String.format(
            Locale.ROOT,
            " · running %,d · retrying %,d",
            p.count(JobState.RUNNING),
            p.count(JobState.RETRYABLE)));
    if (p.uniqueJobs()) {
      line.append(
          String.format(
              Locale.ROOT, " │ cron %d · duplicates %,d", p.cronRuns(), p.duplicatesSkipped()));
    }
    if (p.batches()) {
      line.append(String.format(Locale.ROOT, " · tickets sent %,d", p.ticketBatchesSent()));
    }
    if (p.enqueueFailures() > 0) {
      line.append(String.format(Locale.ROOT, " │ %,d enqueues failed", p.enqueueFailures()));
    }
    return line.toString();
  }
}
