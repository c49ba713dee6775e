package dev.errand.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.errand.DependencyCounts;
import dev.errand.JobState;
import dev.errand.examples.DemoApp;
import dev.errand.examples.DemoSummary;
import dev.errand.examples.ExpireSessions;
import dev.errand.examples.GenerateTicket;
import dev.errand.examples.ImportItem;
import dev.errand.examples.ImportItems;
import dev.errand.examples.RebuildSearchIndex;
import dev.errand.examples.SignInEmail;
import dev.errand.examples.TicketsSent;
import dev.errand.spi.Capability;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * {@code errand demo} in its finite mode, with its API, on every store: one subclass per store. The
 * store is opened from the same settings the command line gives {@link Stores}.
 */
abstract class DemoTest {
  private final ByteArrayOutputStream printed = new ByteArrayOutputStream();
  private final PrintStream out = new PrintStream(printed, true, StandardCharsets.UTF_8);
  private final HttpClient http = HttpClient.newHttpClient();
  private Stores.Opened opened;

  /** The store settings, as flags: {@code store}, {@code url}, … */
  protected abstract Map<String, String> storeFlags();

  /** Removes what the store left behind once it is closed (a schema, a file). */
  protected void dropStore() {}

  @AfterEach
  void closeStore() throws Exception {
    if (opened != null) {
      opened.close();
    }
    dropStore();
  }

  @Test
  void everyKindOfJobCompletesWithRetriesAndCronWhileTheApiAnswers() throws Exception {
    opened = Stores.open(Settings.load(storeFlags(), Map.of(), null), true);
    Demo demo = Demo.start(opened.store(), 0, out);
    demo.printIntro("the store under test");
    String base = "http://127.0.0.1:" + demo.port();

    // The import queue exists once the first import is enqueued, at the start.
    await()
        .atMost(Duration.ofSeconds(20))
        .untilAsserted(
            () -> {
              HttpResponse<String> queues = get(base + "/api/queues");
              assertThat(queues.statusCode()).isEqualTo(200);
              assertThat(queues.body()).contains("\"import\"");
            });
    // Until every kind of event has happened, however long that takes here; then the jobs
    // enqueued so far finish.
    await().atMost(Duration.ofSeconds(90)).until(demo::hasShownEverything);
    DemoSummary summary = demo.run(Duration.ZERO, false);

    assertThat(summary.ending()).isEqualTo(DemoApp.Ending.FINISHED);
    assertThat(summary.succeeded()).isTrue();
    // One import at the start, another every IMPORT_EVERY: each imported all of its items.
    long imports = summary.completed(ImportItems.KIND);
    assertThat(imports).isPositive();
    assertThat(summary.completed(ImportItem.KIND)).isEqualTo(imports * DemoApp.IMPORT_SIZE);
    assertThat(summary.completed(SignInEmail.KIND)).isPositive().isEqualTo(summary.emailsSent());
    // The mail provider refuses one call in four: those e-mails went out on a retry.
    assertThat(summary.retried()).isPositive();
    assertThat(summary.completed(ExpireSessions.KIND)).isPositive();
    // A rebuild is asked for twice as often as one takes: one waits or runs, the rest are skipped.
    assertThat(summary.completed(RebuildSearchIndex.KIND)).isPositive();
    assertThat(summary.duplicatesSkipped()).isPositive();
    if (opened.store().capabilities().contains(Capability.DEPENDENCIES)) {
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
    } else {
      assertThat(summary.ticketBatches()).isZero();
      assertThat(printed.toString(StandardCharsets.UTF_8))
          .contains("Left out: the ticket batches; this store cannot make a job wait for others");
    }
    assertThat(summary.discarded()).isZero();
    assertThat(summary.jobStates().keySet()).allMatch(JobState::isFinal);
    assertThat(printed.toString(StandardCharsets.UTF_8))
        .contains("jobs/s")
        .contains("Finished: every job enqueued has ended");
  }

  private HttpResponse<String> get(String url) throws Exception {
    return http.send(
        HttpRequest.newBuilder(URI.create(url)).GET().build(),
        HttpResponse.BodyHandlers.ofString());
  }
}
