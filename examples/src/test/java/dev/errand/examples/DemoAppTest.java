package dev.errand.examples;

import static org.assertj.core.api.Assertions.assertThat;

import dev.errand.DependencyCounts;
import dev.errand.JobState;
import dev.errand.spi.Store;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import org.junit.jupiter.api.Test;

class DemoAppTest {

  @Test
  void aFiniteRunEndsWithEveryKindOfJobCompletedAndTheFailedCallsRetried() throws Exception {
    ByteArrayOutputStream printed = new ByteArrayOutputStream();
    PrintStream out = new PrintStream(printed, true, StandardCharsets.UTF_8);
    DemoApp.Ending ending;
    DemoSummary summary;
    // The demo does not close the store it is given: its creator does, after the demo stopped.
    try (Store store = Store.inMemory()) {
      DemoApp demo = new DemoApp(store).start();
      ending = demo.awaitEnd(Duration.ofSeconds(2), new ProgressPrinter(out, false));
      summary = demo.stop();
      summary.print(out);
    }

    assertThat(ending).isEqualTo(DemoApp.Ending.FINISHED);
    assertThat(summary.succeeded()).isTrue();
    // The import of 10,000 items starts at once; the next one is 20 s away.
    assertThat(summary.completed(ImportItems.KIND)).isEqualTo(1);
    assertThat(summary.completed(ImportItem.KIND)).isEqualTo(DemoApp.IMPORT_SIZE);
    assertThat(summary.itemsImported()).isEqualTo(DemoApp.IMPORT_SIZE);
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
  }
}
