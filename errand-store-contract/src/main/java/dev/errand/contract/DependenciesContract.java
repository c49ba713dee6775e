package dev.errand.contract;

import static dev.errand.JobState.AVAILABLE;
import static dev.errand.JobState.CANCELLED;
import static dev.errand.JobState.COMPLETED;
import static dev.errand.JobState.PENDING;
import static dev.errand.JobState.RUNNING;
import static dev.errand.JobState.SCHEDULED;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.errand.DependencyCounts;
import dev.errand.DependencyFailure;
import dev.errand.Enqueued;
import dev.errand.JobEdges;
import dev.errand.JobInfo;
import dev.errand.JobQuery;
import dev.errand.UnknownDependencyException;
import dev.errand.spi.Capability;
import dev.errand.spi.JobCancelParams;
import dev.errand.spi.JobDeleteParams;
import dev.errand.spi.JobEdgesParams;
import dev.errand.spi.JobFinish;
import dev.errand.spi.JobRetryParams;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CyclicBarrier;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Dependencies, an area of the {@link StoreContract}: a dependent is pending until its dependencies
 * ended, then available or cancelled as its policy says. Needs {@code DEPENDENCIES}.
 */
abstract class DependenciesContract extends ContractFixtures {

  @BeforeEach
  void requireDependencies() {
    assumeTrue(
        store.capabilities().contains(Capability.DEPENDENCIES),
        "the store does not declare DEPENDENCIES");
  }

  @Test
  void aDependentIsPendingUntilEveryDependencyCompletes() {
    JobInfo a = running(job());
    JobInfo b = running(job());
    Enqueued c = insert(job().kind("after").dependsOn(a.id(), b.id())).get(0);

    assertThat(c.state()).isEqualTo(PENDING);
    assertThat(get(c.id()).dependencies()).isEqualTo(new DependencyCounts(2, 0, 0, 0));
    assertThat(counts(QUEUE)).isEqualTo(Map.of(RUNNING, 2L, PENDING, 1L));
    assertThat(fetch(QUEUE, 10)).as("a pending job is never fetched").isEmpty();

    clock.set(at(1));
    finish(new JobFinish.Completed(ref(a), now()));
    assertThat(get(c.id()).state()).isEqualTo(PENDING);
    assertThat(get(c.id()).dependencies()).isEqualTo(new DependencyCounts(1, 1, 0, 0));

    clock.set(at(2));
    finish(new JobFinish.Completed(ref(b), now()));
    JobInfo released = get(c.id());
    assertThat(released.state()).isEqualTo(AVAILABLE);
    assertThat(released.finalizedAt()).isNull();
    assertThat(released.dependencies()).isEqualTo(new DependencyCounts(0, 2, 0, 0));
    JobInfo fetched = fetchOnly(QUEUE, c.id());
    assertThat(fetched.dependencies()).isEqualTo(new DependencyCounts(0, 2, 0, 0));
    assertThat(fetched.attempt()).isEqualTo(1);
  }

  @Test
  void aReleasedDependentWaitsForItsRunTime() {
    JobInfo a = running(job());
    long c = insertOne(job().dependsOn(a.id()).scheduledAt(at(60)));

    finish(new JobFinish.Completed(ref(a), at(1)));

    assertThat(get(c).state()).isEqualTo(SCHEDULED);
    clock.set(at(60));
    assertThat(stage().total()).isEqualTo(1);
    assertThat(get(c).state()).isEqualTo(AVAILABLE);
  }

  @Test
  void aFailedDependencyCancelsTheDependentByDefault() {
    JobInfo a = running(job());
    JobInfo b = running(job());
    long c = insertOne(job().dependsOn(a.id(), b.id()));

    clock.set(at(5));
    finish(new JobFinish.Failed(ref(a), now(), failure(1, now()), null));

    JobInfo cancelled = get(c);
    assertThat(cancelled.state()).isEqualTo(CANCELLED);
    assertThat(cancelled.finalizedAt()).isEqualTo(at(5));
    assertThat(cancelled.dependencies()).isEqualTo(new DependencyCounts(1, 0, 1, 0));
    assertThat(cancelled.errors()).hasSize(1);
    assertThat(cancelled.errors().get(0).errorClass()).isEqualTo("dependency_failed");
    assertThat(cancelled.errors().get(0).message())
        .isEqualTo("dependency " + a.id() + " was discarded");

    finish(new JobFinish.Completed(ref(b), at(6)));
    assertThat(get(c).state()).as("stays cancelled").isEqualTo(CANCELLED);
    assertThat(get(c).dependencies()).isEqualTo(new DependencyCounts(0, 1, 1, 0));
  }

  @Test
  void withPolicyRunTheDependentRunsOnceEveryDependencyEnded() {
    long a = insertOne(job().queue("other"));
    JobInfo b = running(job());
    long c = insertOne(job().dependsOn(a, b.id()).ifDependencyFails(DependencyFailure.RUN));

    store.jobCancel(new JobCancelParams(a, now(), "not needed"));
    assertThat(get(c).state()).isEqualTo(PENDING);
    assertThat(get(c).dependencies()).isEqualTo(new DependencyCounts(1, 0, 0, 1));

    finish(new JobFinish.Failed(ref(b), now(), failure(1, now()), null));
    assertThat(get(c).state()).isEqualTo(AVAILABLE);
    assertThat(get(c).dependencies()).isEqualTo(new DependencyCounts(0, 0, 1, 1));
  }

  @Test
  void aCancellationPassesDownAChainOfDependents() {
    JobInfo a = running(job());
    long b = insertOne(job().dependsOn(a.id()));
    long c = insertOne(job().dependsOn(b));
    long d = insertOne(job().dependsOn(c).ifDependencyFails(DependencyFailure.RUN));

    finish(new JobFinish.Cancelled(ref(a), at(3), failure(1, at(3))));

    assertThat(get(b).state()).isEqualTo(CANCELLED);
    assertThat(get(c).state()).isEqualTo(CANCELLED);
    assertThat(get(c).errors().get(0).message()).isEqualTo("dependency " + b + " was cancelled");
    assertThat(get(d).state()).isEqualTo(AVAILABLE);
    assertThat(get(d).dependencies()).isEqualTo(new DependencyCounts(0, 0, 0, 1));
  }

  @Test
  void cancellingAPendingJobByHandPassesItOn() {
    long a = insertOne(job());
    long b = insertOne(job().dependsOn(a));
    long c = insertOne(job().dependsOn(b));

    store.jobCancel(new JobCancelParams(b, now(), "changed my mind"));

    assertThat(get(c).state()).isEqualTo(CANCELLED);
    assertThat(get(a).state()).isEqualTo(AVAILABLE);
  }

  @Test
  void anUnknownDependencyIsRefusedAndNothingIsStored() {
    long a = insertOne(job());

    assertThatThrownBy(() -> insert(job(), job().dependsOn(a, 999_999)))
        .isInstanceOf(UnknownDependencyException.class)
        .hasMessageContaining("999999")
        .satisfies(
            e -> assertThat(((UnknownDependencyException) e).dependencyId()).isEqualTo(999_999));

    assertThat(ids(store.jobList(JobQuery.all()))).containsExactly(a);
  }

  @Test
  void dependenciesThatAlreadyEndedCountAtInsert() {
    long done = completed(job()).id();
    long failed = discarded(job()).id();
    long waiting = insertOne(job());

    Enqueued afterDone = insert(job().dependsOn(done)).get(0);
    Enqueued afterFailed = insert(job().dependsOn(done, failed)).get(0);
    Enqueued runAnyway =
        insert(job().dependsOn(done, failed).ifDependencyFails(DependencyFailure.RUN)).get(0);
    Enqueued afterAll = insert(job().dependsOn(done, failed, waiting)).get(0);
    Enqueued stillWaiting =
        insert(job().dependsOn(done, failed, waiting).ifDependencyFails(DependencyFailure.RUN))
            .get(0);

    assertThat(afterDone.state()).isEqualTo(AVAILABLE);
    assertThat(get(afterDone.id()).dependencies()).isEqualTo(new DependencyCounts(0, 1, 0, 0));
    assertThat(afterFailed.state()).isEqualTo(CANCELLED);
    assertThat(get(afterFailed.id()).finalizedAt()).isEqualTo(now());
    assertThat(get(afterFailed.id()).errors().get(0).message())
        .isEqualTo("dependency " + failed + " was discarded");
    assertThat(runAnyway.state()).isEqualTo(AVAILABLE);
    assertThat(get(runAnyway.id()).dependencies()).isEqualTo(new DependencyCounts(0, 1, 1, 0));
    assertThat(afterAll.state()).as("cancelled at once").isEqualTo(CANCELLED);
    assertThat(stillWaiting.state()).isEqualTo(PENDING);
    assertThat(get(stillWaiting.id()).dependencies()).isEqualTo(new DependencyCounts(1, 1, 1, 0));
  }

  @Test
  void deletingADependencyCountsAsCancelled() {
    long a = insertOne(job().queue("other"));
    JobInfo b = running(job());
    long runs = insertOne(job().dependsOn(a, b.id()).ifDependencyFails(DependencyFailure.RUN));
    long cancels = insertOne(job().dependsOn(a));

    assertThat(store.jobDelete(new JobDeleteParams(a, at(2)))).isTrue();

    assertThat(get(cancels).state()).isEqualTo(CANCELLED);
    assertThat(get(cancels).finalizedAt()).isEqualTo(at(2));
    assertThat(get(runs).state()).isEqualTo(PENDING);
    assertThat(get(runs).dependencies()).isEqualTo(new DependencyCounts(1, 0, 0, 1));
    finish(new JobFinish.Completed(ref(b), at(3)));
    assertThat(get(runs).state()).isEqualTo(AVAILABLE);
    assertThat(get(runs).dependencies()).isEqualTo(new DependencyCounts(0, 1, 0, 1));
  }

  @Test
  void deletingAPendingJobLeavesItsDependenciesAlone() {
    JobInfo a = running(job());
    long b = insertOne(job().dependsOn(a.id()));

    assertThat(store.jobDelete(new JobDeleteParams(b, now()))).isTrue();
    finish(new JobFinish.Completed(ref(a), at(1)));

    assertThat(get(a.id()).state()).isEqualTo(COMPLETED);
    assertThat(store.jobGet(b)).isEmpty();
  }

  @Test
  void edgesListBothDirectionsInIdOrder() {
    long a = insertOne(job());
    long b = insertOne(job());
    long c = insertOne(job().dependsOn(b, a));

    assertThat(edges(c, 100)).isEqualTo(new JobEdges(List.of(a, b), false, List.of(), false));
    assertThat(edges(a, 100)).isEqualTo(new JobEdges(List.of(), false, List.of(c), false));
    assertThat(edges(b, 100)).isEqualTo(new JobEdges(List.of(), false, List.of(c), false));
  }

  @Test
  void edgesStopAtTheLimitAndSayMoreExist() {
    long a = insertOne(job());
    long b = insertOne(job());
    long c = insertOne(job());
    long waitsOnAll = insertOne(job().dependsOn(a, b, c));
    long alsoWaitsOnA = insertOne(job().dependsOn(a));

    assertThat(edges(waitsOnAll, 2)).isEqualTo(new JobEdges(List.of(a, b), true, List.of(), false));
    assertThat(edges(waitsOnAll, 3))
        .isEqualTo(new JobEdges(List.of(a, b, c), false, List.of(), false));
    assertThat(edges(a, 1)).isEqualTo(new JobEdges(List.of(), false, List.of(waitsOnAll), true));
    assertThat(edges(a, 2))
        .isEqualTo(new JobEdges(List.of(), false, List.of(waitsOnAll, alsoWaitsOnA), false));
  }

  @Test
  void anUnknownJobHasNoEdges() {
    long a = insertOne(job());
    insertOne(job().dependsOn(a));

    assertThat(edges(a + 1000, 100)).isEqualTo(JobEdges.NONE);
  }

  @Test
  void anEdgeIsDroppedWhenItsDependencyEnds() {
    JobInfo a = running(job());
    long b = insertOne(job());
    long c = insertOne(job().dependsOn(a.id(), b));
    long alreadyEnded = insertOne(job().dependsOn(a.id()));
    finish(new JobFinish.Completed(ref(a), at(1)));

    assertThat(edges(c, 100))
        .as("the end of a is counted in c's dependencies, not listed")
        .isEqualTo(new JobEdges(List.of(b), false, List.of(), false));
    assertThat(edges(a.id(), 100)).isEqualTo(JobEdges.NONE);
    assertThat(edges(alreadyEnded, 100)).isEqualTo(JobEdges.NONE);
    long afterTheEnd = insertOne(job().dependsOn(a.id(), b));
    assertThat(edges(afterTheEnd, 100))
        .as("a dependency already ended at enqueue is only counted")
        .isEqualTo(new JobEdges(List.of(b), false, List.of(), false));
  }

  @Test
  void aDeletedDependentIsNoLongerListed() {
    long a = insertOne(job());
    long b = insertOne(job().dependsOn(a));
    long c = insertOne(job().dependsOn(a));

    assertThat(store.jobDelete(new JobDeleteParams(b, now()))).isTrue();

    assertThat(edges(a, 100)).isEqualTo(new JobEdges(List.of(), false, List.of(c), false));
    assertThat(edges(b, 100)).isEqualTo(JobEdges.NONE);
  }

  private JobEdges edges(long id, int limit) {
    return store.jobEdges(new JobEdgesParams(id, limit));
  }

  @Test
  void aLeaseRescuedIntoDiscardedCountsAsDiscarded() {
    JobInfo a = running(job().maxAttempts(1));
    long c = insertOne(job().dependsOn(a.id()).ifDependencyFails(DependencyFailure.RUN));

    clock.set(now().plus(LEASE).plusSeconds(1));
    assertThat(rescue().discarded()).containsExactly(a.id());

    assertThat(get(c).state()).isEqualTo(AVAILABLE);
    assertThat(get(c).dependencies()).isEqualTo(new DependencyCounts(0, 0, 1, 0));
  }

  @Test
  void aDependencyThatEndsTwiceCountsOnce() {
    JobInfo a = running(job());
    long other = insertOne(job().queue("other"));
    long c = insertOne(job().dependsOn(a.id(), other));
    finish(new JobFinish.Completed(ref(a), at(1)));

    store.jobRetry(new JobRetryParams(a.id(), at(2)));
    clock.set(at(2));
    JobInfo again = fetchOnly(QUEUE, a.id());
    finish(new JobFinish.Completed(ref(again), at(3)));

    assertThat(get(c).state()).isEqualTo(PENDING);
    assertThat(get(c).dependencies()).isEqualTo(new DependencyCounts(1, 1, 0, 0));
  }

  @Test
  void aFollowUpMayWaitOnOtherJobs() {
    JobInfo a = running(job());
    long other = insertOne(job().queue("other"));

    finish(
        new JobFinish.Completed(
            ref(a), at(1), List.of(job().kind("follow").dependsOn(other).build(at(1)))));

    JobInfo followUp = listAll(JobQuery.all().withKind("follow")).get(0);
    assertThat(followUp.state()).isEqualTo(PENDING);
    assertThat(followUp.dependencies()).isEqualTo(new DependencyCounts(1, 0, 0, 0));
  }

  @Test
  void theLastTwoDependenciesEndingAtOnceReleaseTheDependentOnce() throws Exception {
    for (int round = 0; round < 20; round++) {
      String queue = "race" + round;
      JobInfo a = running(job().queue(queue));
      JobInfo b = running(job().queue(queue));
      long c = insertOne(job().queue(queue).dependsOn(a.id(), b.id()));
      CyclicBarrier together = new CyclicBarrier(2);
      boolean failOne = round % 2 == 1;

      concurrently(
          2,
          thread -> {
            together.await();
            JobInfo mine = thread == 0 ? a : b;
            return finish(
                failOne && thread == 1
                    ? new JobFinish.Failed(ref(mine), now(), failure(1, now()), null)
                    : new JobFinish.Completed(ref(mine), now()));
          });

      if (failOne) {
        assertThat(get(c).state()).isEqualTo(CANCELLED);
        assertThat(get(c).dependencies()).isEqualTo(new DependencyCounts(0, 1, 1, 0));
      } else {
        assertThat(get(c).state()).isEqualTo(AVAILABLE);
        assertThat(get(c).dependencies()).isEqualTo(new DependencyCounts(0, 2, 0, 0));
        assertThat(ids(fetch(queue, 10))).containsExactly(c);
      }
    }
  }

  @Test
  void aDependencyEndingWhileItsDependentIsInsertedNeverStrandsIt() throws Exception {
    for (int round = 0; round < 20; round++) {
      String queue = "insert-race" + round;
      JobInfo a = running(job().queue(queue));
      CyclicBarrier together = new CyclicBarrier(2);

      List<Long> inserted =
          concurrently(
              2,
              thread -> {
                together.await();
                if (thread == 0) {
                  return insertOne(job().queue(queue).kind("after").dependsOn(a.id()));
                }
                finish(new JobFinish.Completed(ref(a), now()));
                return 0L;
              });

      JobInfo dependent = get(inserted.get(0));
      assertThat(dependent.state()).as("round %d", round).isEqualTo(AVAILABLE);
      assertThat(dependent.dependencies()).isEqualTo(new DependencyCounts(0, 1, 0, 0));
    }
  }
}
