package dev.errand.examples;

import dev.errand.JobState;
import java.io.PrintStream;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;

/**
 * What one run of the {@link DemoApp} did, counted from Errand's job events and the store.
 *
 * @param ending how the run ended
 * @param elapsed from the start until the summary
 * @param completedByKind jobs that completed, per kind
 * @param retried failed attempts that were retried
 * @param discarded jobs that failed for good
 * @param cancelled jobs that were cancelled
 * @param emailsSent e-mails the mail provider accepted
 * @param itemsImported distinct items the imports stored
 * @param sessionsExpired sessions the cron job expired
 * @param duplicatesSkipped search-index rebuilds asked for while one waited or ran: unique, so the
 *     store kept none of them
 * @param ticketBatches events whose ticket batch was enqueued
 * @param ticketsSent every sending of an event's tickets by its batch callback, in order
 * @param enqueueFailures enqueues that failed (the store was unreachable)
 * @param lastEnqueueFailure the last of those failures, or null
 * @param jobStates how many jobs the store held in each state at the end
 */
public record DemoSummary(
    DemoApp.Ending ending,
    Duration elapsed,
    Map<String, Long> completedByKind,
    long retried,
    long discarded,
    long cancelled,
    long emailsSent,
    int itemsImported,
    long sessionsExpired,
    long duplicatesSkipped,
    long ticketBatches,
    List<TicketsSent> ticketsSent,
    long enqueueFailures,
    String lastEnqueueFailure,
    Map<JobState, Long> jobStates) {

  public DemoSummary {
    completedByKind = Map.copyOf(completedByKind);
    ticketsSent = List.copyOf(ticketsSent);
    jobStates = Map.copyOf(jobStates);
  }

  /** Whether the run ended as asked, with no job failed for good or cancelled, no enqueue lost. */
  public boolean succeeded() {
    return ending != DemoApp.Ending.GAVE_UP
        && discarded == 0
        && cancelled == 0
        && enqueueFailures == 0;
  }

  /** How many jobs completed, of every kind. */
  public long completed() {
    return completedByKind.values().stream().mapToLong(Long::longValue).sum();
  }

  /** How many jobs of {@code kind} completed. */
  public long completed(String kind) {
    return completedByKind.getOrDefault(kind, 0L);
  }

  /** Prints the summary for a reader. */
  public void print(PrintStream out) {
    double seconds = elapsed.toMillis() / 1000.0;
    String how =
        switch (ending) {
          case STOPPED -> "Stopped";
          case FINISHED -> "Finished: every job enqueued has ended";
          case GAVE_UP -> "Gave up waiting for the enqueued jobs to end";
        };
    out.printf(Locale.ROOT, "%n%s after %.1f s.%n", how, seconds);
    out.printf(Locale.ROOT, "  completed %,9d jobs%n", completed());
    new TreeMap<>(completedByKind)
        .forEach((kind, count) -> out.printf(Locale.ROOT, "    %-20s %,9d%n", kind, count));
    out.printf(
        Locale.ROOT,
        "  retried   %,9d failed attempts, retried with backoff%n"
            + "                      (%,d e-mails sent in the end)%n",
        retried,
        emailsSent);
    out.printf(Locale.ROOT, "  failed    %,9d jobs discarded%n", discarded);
    if (cancelled > 0) {
      out.printf(Locale.ROOT, "  cancelled %,9d%n", cancelled);
    }
    out.printf(
        Locale.ROOT,
        "  imported  %,9d distinct items; the cron job expired %,d sessions%n",
        itemsImported,
        sessionsExpired);
    if (duplicatesSkipped > 0) {
      out.printf(
          Locale.ROOT,
          "  skipped   %,9d duplicate search-index rebuilds (one waits at a time)%n",
          duplicatesSkipped);
    }
    long whole =
        ticketsSent.stream()
            .filter(
                sent ->
                    sent.members().completed() == DemoApp.TICKETS_PER_EVENT
                        && sent.generated() == DemoApp.TICKETS_PER_EVENT)
            .count();
    if (ticketBatches > 0) {
      out.printf(
          Locale.ROOT,
          "  tickets   %,9d events' tickets sent by their batch callback, %,d of them%n"
              + "                      with all %d tickets (of %,d batches)%n",
          ticketsSent.size(),
          whole,
          DemoApp.TICKETS_PER_EVENT,
          ticketBatches);
    }
    long waiting =
        jobStates.entrySet().stream()
            .filter(e -> !e.getKey().isFinal())
            .mapToLong(Map.Entry::getValue)
            .sum();
    if (waiting > 0) {
      out.printf(
          Locale.ROOT,
          "  left      %,9d jobs not ended (a durable store runs them next time)%n",
          waiting);
    }
    if (enqueueFailures > 0) {
      out.printf(
          Locale.ROOT,
          "  %,d enqueues failed; the last: %s%n",
          enqueueFailures,
          lastEnqueueFailure);
    }
  }
}
