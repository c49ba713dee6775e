package dev.errand.contract;

import static dev.errand.JobState.AVAILABLE;
import static dev.errand.JobState.CANCELLED;
import static dev.errand.JobState.COMPLETED;
import static dev.errand.JobState.DISCARDED;
import static dev.errand.JobState.RETRYABLE;
import static dev.errand.JobState.SCHEDULED;
import static org.assertj.core.api.Assertions.assertThat;

import dev.errand.AttemptError;
import dev.errand.JobInfo;
import dev.errand.spi.JobFinish;
import dev.errand.spi.JobRef;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * Finish, an area of the {@link StoreContract}: a running job completed, failed (retryable or
 * discarded), snoozed, cancelled by its worker or released; many results in one call.
 */
abstract class FinishContract extends ContractFixtures {

  @Test
  void completedIsFinalAndClearsTheLease() {
    JobInfo job = running(job());
    clock.set(at(5));

    assertThat(finish(new JobFinish.Completed(ref(job), now()))).containsExactly(job.id());

    assertThat(get(job.id()))
        .isEqualTo(edit(job).state(COMPLETED).finalizedAt(at(5)).noLease().build());
  }

  @Test
  void failedWithARetryTimeBecomesRetryableAndKeepsTheError() {
    JobInfo job = running(job());
    clock.set(at(5));
    AttemptError error = failure(1, now());

    assertThat(finish(new JobFinish.Failed(ref(job), now(), error, at(35))))
        .containsExactly(job.id());

    assertThat(get(job.id()))
        .isEqualTo(
            edit(job)
                .state(RETRYABLE)
                .scheduledAt(at(35))
                .noLease()
                .errors(ending(job, error))
                .build());
    assertThat(fetch(QUEUE, 10)).as("not before its retry time").isEmpty();
  }

  @Test
  void failedWithoutARetryTimeIsDiscarded() {
    JobInfo job = running(job().maxAttempts(5));
    clock.set(at(5));
    AttemptError error = failure(1, now());

    assertThat(finish(new JobFinish.Failed(ref(job), now(), error, null)))
        .containsExactly(job.id());

    assertThat(get(job.id()))
        .isEqualTo(
            edit(job)
                .state(DISCARDED)
                .finalizedAt(at(5))
                .noLease()
                .errors(ending(job, error))
                .build());
  }

  @Test
  void errorsAccumulateOldestFirst() {
    long id = insertOne(job().maxAttempts(3));
    JobInfo first = fetchOnly(QUEUE, id);
    AttemptError e1 = failure(1, at(1));
    finish(new JobFinish.Failed(ref(first), at(1), e1, at(10)));
    clock.set(at(10));
    stage();
    JobInfo second = fetchOnly(QUEUE, id);
    assertThat(second.attempt()).isEqualTo(2);
    assertThat(second.errors()).containsExactly(ending(first, e1));
    AttemptError e2 = failure(2, at(12));

    assertThat(finish(new JobFinish.Failed(ref(second), at(12), e2, null))).containsExactly(id);

    JobInfo last = get(id);
    assertThat(last.state()).isEqualTo(DISCARDED);
    assertThat(last.attempt()).isEqualTo(2);
    assertThat(last.finalizedAt()).isEqualTo(at(12));
    assertThat(last.errors()).containsExactly(ending(first, e1), ending(second, e2));
  }

  @Test
  void eachErrorKeepsTheStartAndNodeOfTheAttemptItEnded() {
    long id = insertOne(job().maxAttempts(3));
    // Microseconds, which every store keeps, and not a whole second: a start that lost them
    // would show.
    clock.set(at(2).plusNanos(123_456_000));
    JobInfo first = fetchOnlyAs(OTHER_OWNER, QUEUE, id);
    clock.set(at(5));
    finish(new JobFinish.Failed(ref(first), now(), failure(1, now()), at(10)));
    clock.set(at(10));
    stage();
    JobInfo second = fetchOnlyAs(OWNER, QUEUE, id);
    clock.set(second.leaseExpiresAt().plusSeconds(1));

    assertThat(rescue().retryable()).containsExactly(id);

    List<AttemptError> errors = get(id).errors();
    assertThat(errors).hasSize(2);
    assertThat(errors.get(0).startedAt())
        .isEqualTo(first.attemptedAt())
        .isEqualTo(at(2).plusNanos(123_456_000));
    assertThat(errors.get(0).node()).isEqualTo(OTHER_OWNER);
    assertThat(errors.get(0).at()).isEqualTo(at(5));
    assertThat(errors.get(1).errorClass()).isEqualTo("lease_expired");
    assertThat(errors.get(1).startedAt()).isEqualTo(second.attemptedAt()).isEqualTo(at(10));
    assertThat(errors.get(1).node()).isEqualTo(OWNER);
  }

  @Test
  void snoozedUntilLaterIsScheduledWithoutCountingTheAttempt() {
    JobInfo job = running(job());
    clock.set(at(5));

    assertThat(finish(new JobFinish.Snoozed(ref(job), now(), at(65)))).containsExactly(job.id());

    assertThat(get(job.id()))
        .isEqualTo(edit(job).state(SCHEDULED).attempt(0).scheduledAt(at(65)).noLease().build());
    clock.set(at(64));
    assertThat(stage().total()).isZero();
    assertThat(fetch(QUEUE, 10)).isEmpty();
    clock.set(at(65));
    assertThat(stage().stagedByQueue()).isEqualTo(Map.of(QUEUE, 1));
    assertThat(fetchOnly(QUEUE, job.id()).attempt()).isEqualTo(1);
  }

  @Test
  void snoozedUntilNowOrEarlierIsAvailableAtOnce() {
    JobInfo a = running(job());
    JobInfo b = running(job());
    clock.set(at(5));

    assertThat(
            finish(
                new JobFinish.Snoozed(ref(a), now(), at(5)),
                new JobFinish.Snoozed(ref(b), now(), at(2))))
        .containsExactlyInAnyOrder(a.id(), b.id());

    assertThat(get(a.id()))
        .isEqualTo(edit(a).state(AVAILABLE).attempt(0).scheduledAt(at(5)).noLease().build());
    assertThat(get(b.id()))
        .isEqualTo(edit(b).state(AVAILABLE).attempt(0).scheduledAt(at(2)).noLease().build());
    List<JobInfo> again = fetch(QUEUE, 10);
    assertThat(ids(again)).containsExactly(b.id(), a.id());
    assertThat(again).extracting(JobInfo::attempt).containsOnly(1);
  }

  @Test
  void snoozingNeverUsesUpAttempts() {
    long id = insertOne(job().maxAttempts(1));
    for (int i = 1; i <= 3; i++) {
      clock.set(at(i * 10));
      JobInfo claimed = fetchOnly(QUEUE, id);
      assertThat(claimed.attempt()).isEqualTo(1);
      assertThat(finish(new JobFinish.Snoozed(ref(claimed), now(), now()))).containsExactly(id);
      assertThat(get(id).attempt()).isZero();
    }
  }

  @Test
  void cancelledByItsWorkerIsFinalWithTheReason() {
    JobInfo job = running(job());
    clock.set(at(5));
    AttemptError reason = AttemptError.of(1, now(), "cancelled", "customer left");

    assertThat(finish(new JobFinish.Cancelled(ref(job), now(), reason))).containsExactly(job.id());

    assertThat(get(job.id()))
        .isEqualTo(
            edit(job)
                .state(CANCELLED)
                .finalizedAt(at(5))
                .noLease()
                .errors(ending(job, reason))
                .build());
  }

  @Test
  void releasedIsAvailableAtOnceWithoutCountingTheAttempt() {
    JobInfo job = running(job().maxAttempts(1));
    clock.set(at(5));

    assertThat(finish(new JobFinish.Released(ref(job), now()))).containsExactly(job.id());

    JobInfo released = get(job.id());
    assertThat(released)
        .isEqualTo(
            edit(job)
                .state(AVAILABLE)
                .attempt(0)
                .scheduledAt(released.scheduledAt())
                .noLease()
                .build());
    assertThat(released.scheduledAt()).as("runnable at once").isBeforeOrEqualTo(at(5));
    JobInfo again = fetchOnly(QUEUE, job.id());
    assertThat(again.attempt()).isEqualTo(1);
    assertThat(again.leaseOwner()).isEqualTo(OWNER);
  }

  @Test
  void oneCallWritesEveryKindOfResult() {
    List<JobInfo> jobs = fetch(QUEUE, 10, insert(job(), job(), job(), job(), job(), job()));
    clock.set(at(5));
    AttemptError error = failure(1, now());
    AttemptError reason = AttemptError.of(1, now(), "cancelled", "stop");

    Set<Long> applied =
        finish(
            new JobFinish.Completed(ref(jobs.get(0)), now()),
            new JobFinish.Failed(ref(jobs.get(1)), now(), error, at(20)),
            new JobFinish.Failed(ref(jobs.get(2)), now(), error, null),
            new JobFinish.Snoozed(ref(jobs.get(3)), now(), at(50)),
            new JobFinish.Cancelled(ref(jobs.get(4)), now(), reason),
            new JobFinish.Released(ref(jobs.get(5)), now()));

    assertThat(applied).containsExactlyInAnyOrderElementsOf(ids(jobs));
    assertThat(ids(jobs).stream().map(id -> get(id).state()))
        .containsExactly(COMPLETED, RETRYABLE, DISCARDED, SCHEDULED, CANCELLED, AVAILABLE);
    assertThat(ids(jobs).stream().map(id -> get(id).attempt())).containsExactly(1, 1, 1, 0, 1, 0);
    assertThat(ids(jobs).stream().map(id -> get(id).errors().size()))
        .containsExactly(0, 1, 1, 0, 1, 0);
    assertThat(jobs).allSatisfy(j -> assertThat(get(j.id()).leaseOwner()).isNull());
  }

  @Test
  void resultsForJobsThatAreNotRunningAreSkippedNotErrors() {
    long available = insertOne(job());
    JobInfo before = get(available);

    Set<Long> applied =
        finish(
            new JobFinish.Completed(new JobRef(available, 0), now()),
            new JobFinish.Completed(new JobRef(available, 1), now()),
            new JobFinish.Failed(new JobRef(available + 1_000, 1), now(), failure(1, now()), null),
            new JobFinish.Released(new JobRef(available + 2_000, 1), now()));

    assertThat(applied).isEmpty();
    assertThat(get(available)).isEqualTo(before);
    assertThat(store.jobGet(available + 1_000)).isEmpty();
  }

  @Test
  void anEmptyBatchWritesNothing() {
    JobInfo job = running(job());

    assertThat(finish()).isEmpty();

    assertThat(get(job.id())).isEqualTo(job);
  }
}
