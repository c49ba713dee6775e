package dev.errand.examples;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.errand.DependencyCounts;
import dev.errand.JobState;
import dev.errand.Stores;
import dev.errand.spi.Store;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class DemoAppTest {

  @Test
  void aFiniteRunEndsWithEveryKindOfJobCompletedAndTheFailedCallsRetried() throws Exception {
    ByteArrayOutputStream printed = new ByteArrayOutputStream();
    PrintStream out = new PrintStream(printed, true, StandardCharsets.UTF_8);
    DemoApp.Ending ending;
    DemoSummary summary;
    // The demo does not close the store it is given: its creator does, after the demo stopped.
    try (Store store = Stores.inMemory()) {
      DemoApp demo = new DemoApp(store).start();
      demo.printWorkload(out);
      // Until every kind of event has happened, however long that takes here; then the jobs
      // enqueued so far finish.
      await().atMost(Duration.ofSeconds(90)).until(demo::hasShownEverything);
      ending = demo.awaitEnd(Duration.ZERO, new ProgressPrinter(out, false));
      summary = demo.stop();
      summary.print(out);
    }

    assertThat(ending).isEqualTo(DemoApp.Ending.FINISHED);
    assertThat(summary.succeeded()).isTrue();
    // The import of 10,000 items starts at once; the next one is 20 s away.
    // One import at the start, another every IMPORT_EVERY: each imported all of its items.
    long imports = summary.completed(ImportItems.KIND);
    assertThat(imports).isPositive();
    assertThat(summary.completed(ImportItem.KIND)).isEqualTo(imports * DemoApp.IMPORT_SIZE);
    assertThat(summary.itemsImported()).isEqualTo(imports * DemoApp.IMPORT_SIZE);
    assertThat(summary.completed(SignInEmail.KIND)).isPositive().isEqualTo(summary.emailsSent());
    // The provider refuses one call in four, and every refused e-mail was sent on a retry.
    assertThat(summary.retried()).isPositive();
    assertThat(summary.completed(ExpireSessions.KIND)).isPositive();
    // A rebuild is asked for twice as often as one takes: one waits or runs, the rest are skipped.
    assertThat(summary.completed(RebuildSearchIndex.KIND)).isPositive();
    assertThat(summary.duplicatesSkipped()).isPositive();
    assertThat(summary.jobStates().keySet()).allMatch(JobState::isFinal);
    // Every event's batch: one send_tickets, after all its tickets, reading them all completed.
    assertThat(summary.ticketBatches()).isPositive();
    assertThat(summary.ticketsSent())
        .hasSize((int) summary.ticketBatches())
        .allSatisfy(
            sent -> {
              assertThat(sent.members())
                  .isEqualTo(new DependencyCounts(0, DemoApp.TICKETS_PER_EVENT, 0, 0));
              assertThat(sent.generated()).isEqualTo(DemoApp.TICKETS_PER_EVENT);
            });
    assertThat(summary.ticketsSent()).extracting(TicketsSent::eventId).doesNotHaveDuplicates();
    assertThat(summary.completed(GenerateTicket.KIND))
        .isEqualTo(summary.ticketBatches() * DemoApp.TICKETS_PER_EVENT);
    assertThat(summary.discarded()).isZero();
    assertThat(printed.toString(StandardCharsets.UTF_8))
        .contains("jobs/s")
        .contains("Finished: every job enqueued has ended")
        .contains("import_item             10,000");
    // Fits an 80-column terminal without wrapping.
    assertThat(printed.toString(StandardCharsets.UTF_8).lines())
        .allSatisfy(line -> assertThat(columns(line)).as(line).isLessThanOrEqualTo(79));
  }

  @Test
  void theProgressLinesFitEightyColumnsWithLargeFiguresAndAreRewrittenInPlace() {
    Map<JobState, Long> states = new EnumMap<>(JobState.class);
    for (JobState state : JobState.values()) {
      states.put(state, 9_999_999L);
    }
    DemoProgress large =
        new DemoProgress(
            Duration.ofSeconds(9_999),
            99_999_999,
            9_999_999,
            999_999,
            states,
            9_999,
            9_999_999,
            999_999,
            true,
            true,
            999_999);
    List<String> lines = ProgressPrinter.lines(large, 99_999);
    assertThat(lines).hasSizeGreaterThanOrEqualTo(2);
    assertThat(lines)
        .allSatisfy(line -> assertThat(columns(line)).as(line).isLessThanOrEqualTo(79));
    assertThat(String.join("\n", lines))
        .contains("done 99,999,999", "ticket batches sent 999,999", "999,999 enqueues failed");

    ByteArrayOutputStream printed = new ByteArrayOutputStream();
    ProgressPrinter printer =
        new ProgressPrinter(new PrintStream(printed, true, StandardCharsets.UTF_8), true);
    printer.print(large);
    printer.print(large);
    printer.finish();
    String text = printed.toString(StandardCharsets.UTF_8);
    // The second print moves the cursor back up to the first line and clears each line it writes.
    assertThat(text).contains("\u001b[" + (lines.size() - 1) + "F");
    assertThat(text.split("\u001b\\[2K", -1)).hasSize(2 * lines.size() + 1);
  }

  /** The columns {@code line} takes on a terminal: one per code point, escape sequences none. */
  private static int columns(String line) {
    String visible = line.replaceAll("\u001b\\[[0-9]*[A-Za-z]", "");
    return visible.codePointCount(0, visible.length());
  }
}
