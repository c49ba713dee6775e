package dev.errand;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.errand.TestArgs.Noop;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;

/**
 * Every time a caller gives, or a delay added to now, is bounded where it enters: just inside the
 * bound it is stored exactly, just outside it is refused with the field, the limit and the value.
 */
class TimeBoundsTest extends EngineHarness {
  private static final Duration NANO = Duration.ofNanos(1);
  private static final Duration MICRO = Duration.ofNanos(1_000);

  @Nested
  class RunIn {
    private final Errand client = Errand.create(config().build());

    @Test
    void theLongestDelayIsStoredExactly() {
      long id = client.enqueue(new Noop(1), EnqueueOptions.defaults().runIn(maxRunIn())).id();

      assertThat(job(id).scheduledAt()).isEqualTo(clock.instant().plus(maxRunIn()));
    }

    @Test
    void aLongerDelayIsRefused() {
      assertThatThrownBy(() -> EnqueueOptions.defaults().runIn(maxRunIn().plus(NANO)))
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessage("runIn must be at most P36525D (100 years), was PT876600H0.000000001S");
      assertThatThrownBy(() -> EnqueueOptions.defaults().runIn(Duration.parse("P106751991167300D")))
          .hasMessage("runIn must be at most P36525D (100 years), was PT2562047788015200H");
      assertThatThrownBy(() -> EnqueueOptions.defaults().runIn(Duration.ofSeconds(Long.MAX_VALUE)))
          .hasMessage("runIn must be at most P36525D (100 years), was PT2562047788015215H30M7S");
    }

    @Test
    void finerThanAMicrosecondIsDropped() {
      long id =
          client
              .enqueue(new Noop(1), EnqueueOptions.defaults().runIn(Duration.ofNanos(1_999)))
              .id();

      assertThat(job(id).scheduledAt()).isEqualTo(clock.instant().plus(MICRO));
    }
  }

  @Nested
  class RunAt {
    private final Errand client = Errand.create(config().build());

    @Test
    void theEdgesOfTheRangeAreStoredExactly() {
      long first =
          client
              .enqueue(new Noop(1), EnqueueOptions.defaults().runAt(EnqueueOptions.MIN_RUN_AT))
              .id();
      long last =
          client
              .enqueue(new Noop(2), EnqueueOptions.defaults().runAt(EnqueueOptions.MAX_RUN_AT))
              .id();

      assertThat(job(first).scheduledAt()).isEqualTo(Instant.parse("1970-01-01T00:00:00Z"));
      assertThat(job(first).state())
          .as("a time in the past means now")
          .isEqualTo(JobState.AVAILABLE);
      assertThat(job(last).scheduledAt()).isEqualTo(Instant.parse("9999-12-31T23:59:59.999999Z"));
      assertThat(job(last).state()).isEqualTo(JobState.SCHEDULED);
    }

    @Test
    void timesOutsideTheRangeAreRefused() {
      assertThatThrownBy(
              () -> EnqueueOptions.defaults().runAt(EnqueueOptions.MIN_RUN_AT.minus(NANO)))
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessage(
              "runAt must be between 1970-01-01T00:00:00Z and 9999-12-31T23:59:59.999999Z, was"
                  + " 1969-12-31T23:59:59.999999999Z");
      assertThatThrownBy(
              () -> EnqueueOptions.defaults().runAt(EnqueueOptions.MAX_RUN_AT.plus(NANO)))
          .hasMessage(
              "runAt must be between 1970-01-01T00:00:00Z and 9999-12-31T23:59:59.999999Z, was"
                  + " 9999-12-31T23:59:59.999999001Z");
      assertThatThrownBy(
              () -> EnqueueOptions.defaults().runAt(Instant.parse("+1000000000-12-31T23:59:59Z")))
          .hasMessage(
              "runAt must be between 1970-01-01T00:00:00Z and 9999-12-31T23:59:59.999999Z, was"
                  + " +1000000000-12-31T23:59:59Z");
    }

    @Test
    void finerThanAMicrosecondIsDropped() {
      Instant at = Instant.parse("2040-01-01T00:00:00.000001999Z");

      long id = client.enqueue(new Noop(1), EnqueueOptions.defaults().runAt(at)).id();

      assertThat(job(id).scheduledAt()).isEqualTo(Instant.parse("2040-01-01T00:00:00.000001Z"));
    }
  }

  @Nested
  class Snooze {
    @Test
    void theLongestSnoozeIsStoredExactly() {
      Errand errand =
          start(
              c ->
                  c.queue("default", 1)
                      .worker("noop", Noop.class, job -> Outcome.snooze(maxRunIn())));
      Instant snoozedAt = clock.instant();

      long id = errand.enqueue(new Noop(1)).id();

      await().until(() -> state(id) == JobState.SCHEDULED);
      assertThat(job(id).scheduledAt()).isEqualTo(snoozedAt.plus(maxRunIn()));
    }

    @Test
    void aLongerOrNegativeSnoozeIsRefused() {
      assertThatThrownBy(() -> Outcome.snooze(maxRunIn().plus(NANO)))
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessage(
              "snooze delay must be at most P36525D (100 years), was PT876600H0.000000001S");
      assertThatThrownBy(() -> Outcome.snooze(Duration.ofSeconds(-1)))
          .hasMessage("snooze delay must not be negative, was PT-1S");
    }
  }

  @Nested
  class ExternalWorkers {
    private final Errand client = Errand.create(config().build());

    @Test
    void theLongestLeaseIsStoredExactly() {
      long id = client.enqueue(new RawArgs("a", "{}")).id();

      client.leases().fetch(List.of("default"), Set.of(), 1, "py", Leases.MAX_LEASE);
      assertThat(job(id).leaseExpiresAt()).isEqualTo(clock.instant().plus(Duration.ofDays(1)));

      clock.advance(Duration.ofHours(1));
      client.leases().heartbeat("py", List.of(new AttemptRef(id, 1)), Leases.MAX_LEASE);
      assertThat(job(id).leaseExpiresAt()).isEqualTo(clock.instant().plus(Duration.ofDays(1)));
    }

    @Test
    void aLongerLeaseIsRefused() {
      Duration tooLong = Leases.MAX_LEASE.plus(NANO);

      assertThatThrownBy(
              () -> client.leases().fetch(List.of("default"), Set.of(), 1, "py", tooLong))
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessage("lease must be positive and at most PT24H, was PT24H0.000000001S");
      assertThatThrownBy(() -> client.leases().heartbeat("py", List.of(), tooLong))
          .hasMessage("lease must be positive and at most PT24H, was PT24H0.000000001S");
      assertThatThrownBy(
              () -> client.leases().fetch(List.of("default"), Set.of(), 1, "py", Duration.ZERO))
          .hasMessage("lease must be positive and at most PT24H, was PT0S");
    }

    @Test
    void theLongestRetryDelayAndSnoozeAreStoredExactly() {
      long failed = client.enqueue(new RawArgs("a", "{}")).id();
      long snoozed = client.enqueue(new RawArgs("a", "{}")).id();
      client.leases().fetch(List.of("default"), Set.of(), 2, "py", Duration.ofSeconds(30));

      assertThat(client.leases().fail(new AttemptRef(failed, 1), "E", "m", "", maxRunIn()))
          .isTrue();
      assertThat(client.leases().snooze(new AttemptRef(snoozed, 1), maxRunIn())).isTrue();

      assertThat(job(failed).scheduledAt()).isEqualTo(clock.instant().plus(maxRunIn()));
      assertThat(job(snoozed).scheduledAt()).isEqualTo(clock.instant().plus(maxRunIn()));
    }

    @Test
    void aLongerOrNegativeRetryDelayOrSnoozeIsRefusedAndTheJobKeepsRunning() {
      long id = client.enqueue(new RawArgs("a", "{}")).id();
      client.leases().fetch(List.of("default"), Set.of(), 1, "py", Duration.ofSeconds(30));
      AttemptRef attempt = new AttemptRef(id, 1);

      assertThatThrownBy(() -> client.leases().fail(attempt, "E", "m", "", maxRunIn().plus(NANO)))
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessage("retryIn must be at most P36525D (100 years), was PT876600H0.000000001S");
      assertThatThrownBy(() -> client.leases().fail(attempt, "E", "m", "", Duration.ofSeconds(-1)))
          .hasMessage("retryIn must not be negative, was PT-1S");
      assertThatThrownBy(() -> client.leases().snooze(attempt, maxRunIn().plus(NANO)))
          .hasMessage(
              "snooze delay must be at most P36525D (100 years), was PT876600H0.000000001S");

      assertThat(state(id)).isEqualTo(JobState.RUNNING);
    }
  }

  @Nested
  class WorkerTimeoutsAndBackoffs {
    @Test
    void theLongestTimeoutRunsTheJob() {
      Errand errand =
          start(
              c ->
                  c.queue("default", 1)
                      .worker("noop", Noop.class, timingOut(Worker.MAX_TIMEOUT, null)));

      long id = errand.enqueue(new Noop(1)).id();

      await().until(() -> state(id) == JobState.COMPLETED);
    }

    @Test
    void aLongerTimeoutFailsTheAttemptNamingTheLimit() {
      Errand errand =
          start(
              c ->
                  c.queue("default", 1)
                      .worker(
                          "noop",
                          Noop.class,
                          timingOut(Duration.ofSeconds(Long.MAX_VALUE), Duration.ofSeconds(7))));
      Instant failedAt = clock.instant();

      long id = errand.enqueue(new Noop(1)).id();

      await().until(() -> state(id) == JobState.RETRYABLE);
      assertThat(job(id).scheduledAt()).isEqualTo(failedAt.plusSeconds(7));
      assertThat(job(id).errors())
          .singleElement()
          .satisfies(
              e -> {
                assertThat(e.errorClass()).isEqualTo(IllegalArgumentException.class.getName());
                assertThat(e.message())
                    .isEqualTo(
                        "timeout of the worker of kind 'noop' must be at most P36525D (100 years),"
                            + " or zero for none, was PT2562047788015215H30M7S");
              });
    }

    @Test
    void aBackoffLongerThanTheLimitIsReplacedByTheDefault() {
      Errand errand =
          start(
              c ->
                  c.queue("default", 1)
                      .worker(
                          "noop",
                          Noop.class,
                          new Worker<Noop>() {
                            @Override
                            public Outcome work(Job<Noop> job) {
                              throw new IllegalStateException("down");
                            }

                            @Override
                            public Duration backoff(Job<Noop> job) {
                              return Duration.ofSeconds(Long.MAX_VALUE);
                            }
                          }));
      Instant failedAt = clock.instant();

      long id = errand.enqueue(new Noop(1)).id();

      await().until(() -> state(id) == JobState.RETRYABLE);
      // The default after attempt 1: 1 s with a jitter of 20 %.
      assertThat(job(id).scheduledAt())
          .isBetween(failedAt.plusMillis(800), failedAt.plusMillis(1_200));
    }

    @Test
    void backoffsAndSchedulesAreBoundedWhereTheyAreMade() {
      assertThat(Backoff.fixed(maxRunIn()).delay(3)).isEqualTo(maxRunIn());
      assertThatThrownBy(() -> Backoff.fixed(maxRunIn().plus(NANO)))
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessage("delay must be at most P36525D (100 years), was PT876600H0.000000001S");
      assertThat(Backoff.exponential(Duration.ofDays(1), maxRunIn(), 0.5).delay(1000))
          .isLessThanOrEqualTo(maxRunIn());
      assertThatThrownBy(
              () -> Backoff.exponential(Duration.ofSeconds(1), maxRunIn().plusSeconds(1), 0.2))
          .hasMessage("max must be at most P36525D (100 years), was PT876600H1S");
      assertThat(Schedule.every(maxRunIn()).next(clock.instant())).isPresent();
      assertThatThrownBy(() -> Schedule.every(maxRunIn().plusSeconds(1)))
          .hasMessage("interval must be at most P36525D (100 years), was PT876600H1S");
    }

    private static Worker<Noop> timingOut(Duration timeout, Duration backoff) {
      return new Worker<>() {
        @Override
        public Outcome work(Job<Noop> job) {
          return Outcome.complete();
        }

        @Override
        public Duration timeout(Job<Noop> job) {
          return timeout;
        }

        @Override
        public Duration backoff(Job<Noop> job) {
          return backoff;
        }
      };
    }
  }

  private static Duration maxRunIn() {
    assertThat(EnqueueOptions.MAX_RUN_IN).isEqualTo(Duration.ofDays(36_525));
    return EnqueueOptions.MAX_RUN_IN;
  }
}
