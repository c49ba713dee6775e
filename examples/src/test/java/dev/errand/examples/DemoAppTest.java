package dev.errand.examples;

import static org.assertj.core.api.Assertions.assertThat;

import dev.errand.JobState;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import org.junit.jupiter.api.Test;

class DemoAppTest {

  // 3 sign-in e-mails + 1 import job + its 10,000 item jobs + 1 webhook + 1 reminder.
  private static final long JOBS = 10_006;

  @Test
  void everyJobCompletesAfterExactlyTheWebhooksTwoRetries() {
    ByteArrayOutputStream printed = new ByteArrayOutputStream();

    DemoSummary summary = new DemoApp(new PrintStream(printed, true, StandardCharsets.UTF_8)).run();

    assertThat(summary.finished()).isTrue();
    assertThat(summary.completed()).isEqualTo(JOBS);
    assertThat(summary.jobStates()).isEqualTo(Map.of(JobState.COMPLETED, JOBS));
    assertThat(summary.retried()).isEqualTo(2);
    assertThat(summary.discarded()).isZero();
    assertThat(summary.cancelled()).isZero();
    assertThat(summary.itemsImported()).isEqualTo(10_000);
    assertThat(summary.emailsSent()).isEqualTo(4);
    assertThat(summary.succeeded()).isTrue();
    assertThat(printed.toString(StandardCharsets.UTF_8))
        .contains("All 10,006 jobs ended")
        .contains("retried         2");
  }
}
