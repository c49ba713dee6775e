package dev.errand;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.OffsetDateTime;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** Job args with java.time fields work with the default codec, stored as ISO-8601 strings. */
class JavaTimeArgsTest extends EngineHarness {

  record Reminder(
      Instant sentAt,
      LocalDate dueOn,
      Duration grace,
      ZonedDateTime meetingAt,
      OffsetDateTime paidAt)
      implements JobArgs {
    @Override
    public String kind() {
      return "reminder";
    }
  }

  @Test
  void javaTimeFieldsRoundTripThroughTheStoreAsIsoStrings() throws Exception {
    Reminder sent =
        new Reminder(
            Instant.parse("2025-03-01T09:30:00.123456Z"),
            LocalDate.of(2025, 3, 31),
            Duration.ofMinutes(90),
            ZonedDateTime.of(2025, 3, 30, 10, 0, 0, 0, ZoneId.of("Europe/Paris")),
            OffsetDateTime.of(2025, 2, 28, 23, 59, 59, 0, ZoneOffset.ofHours(-5)));
    CompletableFuture<Reminder> received = new CompletableFuture<>();
    Errand errand =
        start(
            c ->
                c.queue(Config.DEFAULT_QUEUE, 1)
                    .worker(
                        "reminder",
                        Reminder.class,
                        job -> {
                          received.complete(job.args());
                          return Outcome.complete();
                        }));

    Enqueued e = errand.enqueue(sent);

    assertThat(job(e.id()).argsJson())
        .isEqualTo(
            "{\"sentAt\":\"2025-03-01T09:30:00.123456Z\",\"dueOn\":\"2025-03-31\","
                + "\"grace\":\"PT1H30M\","
                + "\"meetingAt\":\"2025-03-30T10:00:00+02:00[Europe/Paris]\","
                + "\"paidAt\":\"2025-02-28T23:59:59-05:00\"}");
    // Equal, not merely the same instants: offsets and zones come back as they were written.
    assertThat(received.get(5, TimeUnit.SECONDS)).isEqualTo(sent);
    await().until(() -> state(e.id()) == JobState.COMPLETED);
  }
}
