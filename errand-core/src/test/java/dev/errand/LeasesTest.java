package dev.errand;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.errand.spi.Store;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** External workers through {@link Leases}, with the engine's own retry rules. */
class LeasesTest {
  private final TestClock clock = new TestClock();
  private final Store store = Stores.inMemory();
  private final Errand errand =
      Errand.create(
          Config.builder(store)
              .clock(clock)
              .rescueInterval(Duration.ofMillis(20))
              .leaderLease(Duration.ofSeconds(5))
              .build());

  @AfterEach
  void stop() {
    errand.close();
  }

  @Test
  void rawArgsAreStoredAsTheyAre() {
    long id = errand.enqueue(new RawArgs("resize", "{\"w\":200}")).id();

    assertThat(errand.jobs().get(id).orElseThrow().argsJson()).isEqualTo("{\"w\":200}");
  }

  @Test
  void rawArgsObeyTheKindAndSizeRules() {
    assertThatThrownBy(() -> errand.enqueue(new RawArgs("bad kind", "{}")))
        .isInstanceOf(JobArgsException.class)
        .hasMessageContaining("job kind must be");
    String big = "{\"x\":\"" + "a".repeat(Config.DEFAULT_MAX_ARGS_BYTES) + "\"}";
    assertThatThrownBy(() -> errand.enqueue(new RawArgs("big", big)))
        .isInstanceOf(JobArgsException.class)
        .hasMessageContaining("more than maxArgsBytes");
  }

  @Test
  void enqueueManyGivesEachJobItsOwnOptions() {
    List<Enqueued> enqueued =
        errand.enqueueMany(
            List.of(
                new EnqueueRequest(new RawArgs("a", "{}"), EnqueueOptions.defaults().queue("mail")),
                new EnqueueRequest(
                    new RawArgs("b", "{}"), EnqueueOptions.defaults().runIn(Duration.ofHours(1)))));

    assertThat(enqueued)
        .extracting(Enqueued::state)
        .containsExactly(JobState.AVAILABLE, JobState.SCHEDULED);
    assertThat(errand.jobs().get(enqueued.get(0).id()).orElseThrow().queue()).isEqualTo("mail");
  }

  @Test
  void fetchClaimsOnlyTheGivenKindsAcrossQueuesUpToTheLimit() {
    long mail =
        errand.enqueue(new RawArgs("send", "{}"), EnqueueOptions.defaults().queue("mail")).id();
    errand.enqueue(new RawArgs("other", "{}"));
    long send = errand.enqueue(new RawArgs("send", "{}")).id();
    errand.enqueue(new RawArgs("send", "{}"));

    List<JobInfo> fetched =
        errand
            .leases()
            .fetch(List.of("mail", "default"), Set.of("send"), 2, "py", Duration.ofSeconds(30));

    assertThat(fetched).extracting(JobInfo::id).containsExactly(mail, send);
    assertThat(fetched).allMatch(j -> j.state() == JobState.RUNNING && "py".equals(j.leaseOwner()));
  }

  @Test
  void aFailureIsRetriedWithItsErrorUntilTheLastAttemptDiscards() {
    long id = errand.enqueue(new RawArgs("a", "{}"), EnqueueOptions.defaults().maxAttempts(2)).id();
    fetchOne();

    assertThat(
            errand
                .leases()
                .fail(new AttemptRef(id, 1), "ValueError", "bad", "trace", Duration.ofSeconds(5)))
        .isTrue();
    JobInfo retrying = errand.jobs().get(id).orElseThrow();
    assertThat(retrying.state()).isEqualTo(JobState.RETRYABLE);
    assertThat(retrying.scheduledAt()).isEqualTo(clock.instant().plusSeconds(5));
    assertThat(retrying.errors())
        .as("with the run the store knows: its start and the worker that fetched it")
        .containsExactly(
            new AttemptError(
                1, clock.instant(), "ValueError", "bad", "trace", clock.instant(), "py"));

    errand.jobs().retry(id);
    fetchOne();
    assertThat(errand.leases().fail(new AttemptRef(id, 2), "ValueError", "again", "", null))
        .isTrue();
    assertThat(errand.jobs().get(id).orElseThrow().state()).isEqualTo(JobState.DISCARDED);
  }

  @Test
  void aResultOfAnAttemptNoLongerHeldIsRefused() {
    long id = errand.enqueue(new RawArgs("a", "{}")).id();
    fetchOne();
    errand.jobs().cancel(id);

    assertThat(errand.leases().complete(new AttemptRef(id, 1))).isFalse();
    assertThat(errand.leases().fail(new AttemptRef(id, 1), "E", "m", "", null)).isFalse();
    assertThat(errand.jobs().get(id).orElseThrow().state()).isEqualTo(JobState.CANCELLED);
  }

  @Test
  void heartbeatsRenewHeldLeasesAndReportLostOnes() {
    long held = errand.enqueue(new RawArgs("a", "{}")).id();
    long other = errand.enqueue(new RawArgs("b", "{}")).id();
    fetchOne();

    Set<Long> lost =
        errand
            .leases()
            .heartbeat(
                "py",
                List.of(new AttemptRef(held, 1), new AttemptRef(other, 1)),
                Duration.ofMinutes(5));

    assertThat(lost).containsExactly(other);
    assertThat(errand.jobs().get(held).orElseThrow().leaseExpiresAt())
        .isEqualTo(clock.instant().plus(Duration.ofMinutes(5)));
  }

  @Test
  void aStartedNodeWithoutQueuesRescuesAnExpiredExternalLease() {
    long id = errand.enqueue(new RawArgs("a", "{}")).id();
    fetchOne();
    errand.start();

    clock.advance(Duration.ofMinutes(1));

    await().until(() -> errand.jobs().get(id).orElseThrow().state() != JobState.RUNNING);
    JobInfo rescued = errand.jobs().get(id).orElseThrow();
    assertThat(rescued.errors())
        .singleElement()
        .satisfies(e -> assertThat(e.message()).contains("expired"));
    assertThat(errand.leases().complete(new AttemptRef(id, 1))).isFalse();
  }

  private void fetchOne() {
    assertThat(errand.leases().fetch(List.of("default"), Set.of(), 1, "py", Duration.ofSeconds(30)))
        .hasSize(1);
  }
}
