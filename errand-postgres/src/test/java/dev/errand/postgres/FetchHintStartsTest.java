package dev.errand.postgres;

import static org.assertj.core.api.Assertions.assertThat;

import dev.errand.DependencyCounts;
import dev.errand.JobInfo;
import dev.errand.JobState;
import dev.errand.postgres.FetchHints.Key;
import dev.errand.postgres.FetchHints.Start;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * Where {@link FetchHints} starts each claim, given what the claims before found and what was made
 * available meanwhile; {@link FetchHintsTest} runs the claims themselves on PostgreSQL.
 */
class FetchHintStartsTest {
  private static final String QUEUE = "default";
  private static final Instant T0 = Instant.parse("2026-12-07T00:00:00Z");

  /** No claim from the head on a timer: a slow machine must not change where claims start. */
  private final FetchHints hints = new FetchHints(Duration.ofDays(1));

  @Test
  void theFirstClaimStartsAtTheHeadAndTheNextAfterTheLastJobItClaimed() {
    Start first = hints.start(QUEUE, Set.of());
    assertThat(first).isEqualTo(new Start(null, FetchHints.HEAD, 0));

    claimed(first, jobs(5, 1, 10), 10);

    assertThat(hints.start(QUEUE, Set.of())).isEqualTo(new Start(null, key(5, 10), 0));
  }

  @Test
  void aClaimThatFoundFewerThanItAskedForStartsTheNextAtTheHead() {
    claimed(hints.start(QUEUE, Set.of()), jobs(5, 1, 10), 10);

    claimed(hints.start(QUEUE, Set.of()), jobs(5, 11, 3), 10);

    assertThat(hints.start(QUEUE, Set.of()).key()).isEqualTo(FetchHints.HEAD);
  }

  @Test
  void urgentJobsAreTakenAheadWithoutMovingTheStartOfTheBacklogBack() {
    claimed(hints.start(QUEUE, Set.of()), jobs(5, 1, 10), 10);

    hints.lower(QUEUE, key(0, 1_000));
    hints.lower(QUEUE, key(0, 1_001));
    Start withUrgent = hints.start(QUEUE, Set.of());
    assertThat(withUrgent).isEqualTo(new Start(key(0, 1_000), key(5, 10), 0));
    assertThat(withUrgent.aheadEndsBeforePriority()).isEqualTo(5);

    // The walk ahead found both, the walk from the key the rest of the limit.
    List<JobInfo> both = new ArrayList<>(jobs(0, 1_000, 2));
    both.addAll(jobs(5, 11, 8));
    assertThat(withUrgent.takenAhead(both)).isEqualTo(2);
    claimed(withUrgent, both, 10);

    assertThat(hints.start(QUEUE, Set.of())).isEqualTo(new Start(null, key(5, 18), 0));
  }

  @Test
  void aWalkAheadThatTookTheWholeLimitContinuesAfterItsLastJob() {
    claimed(hints.start(QUEUE, Set.of()), jobs(5, 1, 10), 10);
    hints.lower(QUEUE, key(1, 1_000));
    Start withUrgent = hints.start(QUEUE, Set.of());

    claimed(withUrgent, jobs(1, 1_000, 10), 10);

    assertThat(hints.start(QUEUE, Set.of())).isEqualTo(new Start(key(1, 1_009), key(5, 10), 0));
  }

  @Test
  void aJobOfTheBacklogsPriorityMadeAvailableBeforeTheStartMovesTheStartBackToIt() {
    claimed(hints.start(QUEUE, Set.of()), jobs(5, 100, 10), 10);

    hints.lower(QUEUE, key(5, 3));

    assertThat(hints.start(QUEUE, Set.of())).isEqualTo(new Start(null, key(5, 3), 0));
  }

  @Test
  void jobsMadeAvailableWhileAClaimRanAreNotPassedByTheStartItSets() {
    claimed(hints.start(QUEUE, Set.of()), jobs(5, 100, 10), 10);
    Start inFlight = hints.start(QUEUE, Set.of());

    // Enqueued while the claim ran, after its start: it may or may not have seen them.
    hints.lower(QUEUE, key(5, 112));
    hints.lower(QUEUE, key(2, 5_000));
    claimed(inFlight, jobs(5, 110, 10), 10);

    assertThat(hints.start(QUEUE, Set.of())).isEqualTo(new Start(key(2, 5_000), key(5, 112), 0));
  }

  @Test
  void jobsOfTooManyPrioritiesMadeAvailableWhileAClaimRanStartTheNextAtTheHead() {
    claimed(hints.start(QUEUE, Set.of()), jobs(5, 100, 10), 10);
    Start inFlight = hints.start(QUEUE, Set.of());

    for (int p = 0; p <= FetchHints.MAX_PRIORITIES_MADE_AVAILABLE_DURING_A_CLAIM; p++) {
      hints.lower(QUEUE, key(-100 + p, 5_000 + p));
    }
    claimed(inFlight, jobs(5, 110, 10), 10);

    assertThat(hints.start(QUEUE, Set.of()).key()).isEqualTo(FetchHints.HEAD);
  }

  @Test
  void aResetWhileAClaimRanIsNotUndoneByIt() {
    claimed(hints.start(QUEUE, Set.of()), jobs(5, 100, 10), 10);
    Start inFlight = hints.start(QUEUE, Set.of());

    hints.reset(List.of(QUEUE));
    claimed(inFlight, jobs(5, 110, 10), 10);

    assertThat(hints.start(QUEUE, Set.of()).key()).isEqualTo(FetchHints.HEAD);
  }

  @Test
  void eachKindFilterHasAStartOfItsOwn() {
    claimed(hints.start(QUEUE, Set.of()), jobs(5, 100, 10), 10);

    assertThat(hints.start(QUEUE, Set.of("mail")).key()).isEqualTo(FetchHints.HEAD);
    assertThat(hints.start("other", Set.of()).key()).isEqualTo(FetchHints.HEAD);
    assertThat(hints.start(QUEUE, Set.of()).key()).isEqualTo(key(5, 109));
  }

  @Test
  void aLongWalkFromTheHeadPutsOffTheNextOneOnTheTimer() {
    FetchHints timed = new FetchHints(Duration.ZERO);
    timed.claimed(QUEUE, Set.of(), timed.start(QUEUE, Set.of()), jobs(5, 1, 10), 10, Duration.ZERO);
    assertThat(timed.start(QUEUE, Set.of()).key())
        .as("a walk from the head that took no time: the next is due at once")
        .isEqualTo(FetchHints.HEAD);

    timed.claimed(
        QUEUE, Set.of(), timed.start(QUEUE, Set.of()), jobs(5, 11, 10), 10, Duration.ofHours(1));

    assertThat(timed.start(QUEUE, Set.of()).key()).isEqualTo(key(5, 20));
  }

  private void claimed(Start start, List<JobInfo> claimed, int limit) {
    hints.claimed(QUEUE, Set.of(), start, claimed, limit, Duration.ofMillis(1));
  }

  /** The key of job {@code id}: ids and run times grow together here. */
  private static Key key(int priority, long id) {
    return new Key(priority, T0.plusMillis(id), id);
  }

  private static List<JobInfo> jobs(int priority, long firstId, int n) {
    List<JobInfo> jobs = new ArrayList<>();
    for (long id = firstId; id < firstId + n; id++) {
      Key key = key(priority, id);
      jobs.add(
          new JobInfo(
              id,
              "noop",
              QUEUE,
              JobState.RUNNING,
              "{}",
              priority,
              1,
              25,
              T0,
              key.scheduledAt(),
              T0,
              null,
              "worker",
              T0.plusSeconds(30),
              List.of(),
              Map.of(),
              List.of(),
              DependencyCounts.NONE));
    }
    return jobs;
  }
}
