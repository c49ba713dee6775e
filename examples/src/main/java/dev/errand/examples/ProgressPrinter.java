package dev.errand.examples;

import dev.errand.JobState;
import java.io.PrintStream;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * Prints a {@link DemoApp}'s progress as a few lines of at most {@link #WIDTH} columns, so that an
 * 80-column terminal does not wrap them. On a terminal the lines are rewritten in place at every
 * call (the cursor moves back up to the first, and each line is cleared and written again);
 * elsewhere (a file, a pipe, a CI log) the lines are printed anew every {@link #PLAIN_EVERY}, so
 * that the log stays short. Use from one thread.
 */
public final class ProgressPrinter {

  /** How often the lines are printed when the output is not a terminal. */
  static final Duration PLAIN_EVERY = Duration.ofSeconds(5);

  /** The widest a line may be: one less than a classic terminal, whose last column wraps. */
  static final int WIDTH = 79;

  /** The start of an ANSI control sequence (cursor up, clear line). */
  private static final String ESC = "\u001b[";

  private final PrintStream out;
  private final boolean terminal;
  private int linesShown;
  private long lastCompleted;
  private Duration lastElapsed = Duration.ZERO;
  private Duration lastPlain;

  /** Prints to {@code out}, rewriting the lines in place when {@code terminal}. */
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
    List<String> lines = lines(progress, rate);
    if (terminal) {
      StringBuilder text = new StringBuilder();
      if (linesShown > 1) {
        text.append(ESC).append(linesShown - 1).append('F'); // to the first line shown
      } else if (linesShown == 1) {
        text.append('\r');
      }
      for (int i = 0; i < Math.max(lines.size(), linesShown); i++) {
        if (i > 0) {
          text.append('\n');
        }
        text.append(ESC).append("2K").append(i < lines.size() ? lines.get(i) : "");
      }
      out.print(text);
      linesShown = Math.max(lines.size(), linesShown);
    } else {
      lines.forEach(out::println);
      lastPlain = progress.elapsed();
    }
    out.flush();
  }

  /** Ends the progress lines, so that what follows starts on a line of its own. */
  void finish() {
    if (terminal && linesShown > 0) {
      out.println();
      linesShown = 0;
    }
  }

  // "running" is the store's RUNNING count: it includes attempts that have returned but whose
  // result the engine's completer has not written yet (it writes them in batches).
  static List<String> lines(DemoProgress p, long rate) {
    List<String> lines = new ArrayList<>();
    lines.add(
        String.format(
            Locale.ROOT,
            "%5.1f s │ %,6d jobs/s │ done %,d · retried %,d · failed %,d",
            p.elapsed().toMillis() / 1000.0,
            rate,
            p.completed(),
            p.retried(),
            p.failed()));
    List<String> parts = new ArrayList<>();
    parts.add(
        String.format(
            Locale.ROOT, "waiting %,d", p.count(JobState.AVAILABLE) + p.count(JobState.SCHEDULED)));
    if (p.batches()) {
      parts.add(String.format(Locale.ROOT, "pending %,d", p.count(JobState.PENDING)));
    }
    parts.add(String.format(Locale.ROOT, "running %,d", p.count(JobState.RUNNING)));
    parts.add(String.format(Locale.ROOT, "retrying %,d", p.count(JobState.RETRYABLE)));
    if (p.uniqueJobs()) {
      parts.add(String.format(Locale.ROOT, "cron runs %d", p.cronRuns()));
      parts.add(String.format(Locale.ROOT, "duplicates skipped %,d", p.duplicatesSkipped()));
    }
    if (p.batches()) {
      parts.add(String.format(Locale.ROOT, "ticket batches sent %,d", p.ticketBatchesSent()));
    }
    if (p.enqueueFailures() > 0) {
      parts.add(String.format(Locale.ROOT, "%,d enqueues failed", p.enqueueFailures()));
    }
    // The rest, packed into as few lines as fit.
    StringBuilder line = new StringBuilder("  ");
    for (String part : parts) {
      if (line.length() > 2 && line.length() + 3 + part.length() > WIDTH) {
        lines.add(line.toString());
        line = new StringBuilder("  ");
      }
      line.append(line.length() > 2 ? " · " : "").append(part);
    }
    lines.add(line.toString());
    return lines;
  }
}
