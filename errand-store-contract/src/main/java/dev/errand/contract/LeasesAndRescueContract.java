package dev.errand.contract;

import static dev.errand.JobState.COMPLETED;
import static dev.errand.JobState.DISCARDED;
import static dev.errand.JobState.RETRYABLE;
import static dev.errand.JobState.RUNNING;
import static org.assertj.core.api.Assertions.assertThat;

import dev.errand.AttemptError;
import dev.errand.JobInfo;
import dev.errand.JobQuery;
import dev.errand.spi.JobCancelParams;
import dev.errand.spi.JobFetchParams;
import dev.errand.spi.JobFinish;
import dev.errand.spi.JobRescueParams;
import dev.errand.spi.JobRescueResult;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * LeasesAndRescue, an area of the {@link StoreContract}: an expired lease makes its job retryable
 * in its old place, or discarded at its last attempt; a heartbeat puts the rescue off; the stale
 * holder is fenced out.
 */
abstract class LeasesAndRescueContract extends ContractFixtures {

  @Test
  void anExpiredLeaseMakesTheJobRetryableAndTheAttemptCounts() {
    JobInfo job = running(job().maxAttempts(3));
    clock.set(at(31));

    JobRescueResult result = rescue();

    assertThat(result.retryable()).containsExactly(job.id());
    assertThat(result.discarded()).isEmpty();
    assertThat(result.count()).isEqualTo(1);
    JobInfo rescued = get(job.id());
    // Its run time is kept: a job whose node died keeps its place in the order.
    assertThat(rescued)
        .isEqualTo(edit(job).state(RETRYABLE).noLease().errors(rescued.errors()).build());
    assertLeaseExpiredError(rescued.errors(), 1, at(31));
    assertThat(stage().stagedByQueue()).isEqualTo(Map.of(QUEUE, 1));
    JobInfo retaken = fetchOnlyAs(OTHER_OWNER, QUEUE, job.id());
    assertThat(retaken.attempt()).isEqualTo(2);
    assertThat(retaken.leaseOwner()).isEqualTo(OTHER_OWNER);
  }

  @Test
  void aRescuedJobRunsBeforeTheJobsEnqueuedAfterIt() {
    // A node died holding it; a backlog arrived meanwhile. Recovery must not wait behind it.
    JobInfo job = running(job());
    clock.set(at(10));
    List<Long> later = ids(insert(job(), job(), job()));
    clock.set(at(31));

    assertThat(rescue().retryable()).containsExactly(job.id());
    stage();

    assertThat(ids(fetch(QUEUE, 1))).containsExactly(job.id());
    assertThat(ids(fetch(QUEUE, 3))).containsExactlyElementsOf(later);
  }

  @Test
  void anExpiredLastAttemptIsDiscarded() {
    JobInfo job = running(job().maxAttempts(1));
    clock.set(at(31));

    JobRescueResult result = rescue();

    assertThat(result.retryable()).isEmpty();
    assertThat(result.discarded()).containsExactly(job.id());
    JobInfo rescued = get(job.id());
    assertThat(rescued)
        .isEqualTo(
            edit(job)
                .state(DISCARDED)
                .finalizedAt(at(31))
                .noLease()
                .errors(rescued.errors())
                .build());
    assertLeaseExpiredError(rescued.errors(), 1, at(31));
  }

  @Test
  void everyExpiredAttemptCountsUntilTheLast() {
    long id = insertOne(job().maxAttempts(2));
    fetchOnly(QUEUE, id);
    clock.set(at(31));
    assertThat(rescue().retryable()).containsExactly(id);
    stage();
    JobInfo second = fetchOnly(QUEUE, id);
    assertThat(second.attempt()).isEqualTo(2);
    clock.set(at(62));

    assertThat(rescue().discarded()).containsExactly(id);

    JobInfo discarded = get(id);
    assertThat(discarded.state()).isEqualTo(DISCARDED);
    assertThat(discarded.attempt()).isEqualTo(2);
    assertThat(discarded.errors()).hasSize(2);
    assertLeaseExpiredError(discarded.errors().subList(0, 1), 1, at(31));
    assertLeaseExpiredError(discarded.errors().subList(1, 2), 2, at(62));
  }

  @Test
  void aLeaseThatHasNotExpiredIsNotRescued() {
    JobInfo shortLease = running(job());
    long longId = insertOne(job());
    List<JobInfo> fetched = store.jobFetch(new JobFetchParams(QUEUE, 1, OWNER, now(), at(60)));
    assertThat(ids(fetched)).containsExactly(longId);
    JobInfo longLease = fetched.get(0);

    clock.set(at(29));
    assertThat(rescue().count()).isZero();
    clock.set(at(30));
    assertThat(rescue().count()).as("a lease ending exactly now has not expired").isZero();
    assertThat(get(shortLease.id())).isEqualTo(shortLease);

    clock.set(at(31));
    assertThat(rescue().retryable()).containsExactly(shortLease.id());
    assertThat(get(longLease.id())).isEqualTo(longLease);
  }

  @Test
  void theStaleHolderCannotFinishOrRenewARescuedJob() {
    JobInfo job = running(job().maxAttempts(3));
    clock.set(at(31));
    rescue();
    JobInfo rescued = get(job.id());

    assertThat(finish(new JobFinish.Completed(ref(job), now()))).isEmpty();
    assertThat(heartbeat(OWNER, at(100), ref(job))).containsExactly(job.id());
    assertThat(get(job.id())).isEqualTo(rescued);

    stage();
    JobInfo retaken = fetchOnlyAs(OTHER_OWNER, QUEUE, job.id());
    assertThat(finish(new JobFinish.Completed(ref(job), now()))).isEmpty();
    assertThat(heartbeat(OWNER, at(100), ref(job))).containsExactly(job.id());
    assertThat(get(job.id())).isEqualTo(retaken);

    assertThat(finish(new JobFinish.Completed(ref(retaken), at(32)))).containsExactly(job.id());
    assertThat(get(job.id()).state()).isEqualTo(COMPLETED);
    assertThat(get(job.id()).errors()).hasSize(1);
  }

  @Test
  void aHeartbeatKeepsTheJobFromBeingRescued() {
    JobInfo job = running(job());
    clock.set(at(20));
    assertThat(heartbeat(OWNER, at(80), ref(job))).isEmpty();

    clock.set(at(60));
    assertThat(rescue().count()).isZero();
    assertThat(get(job.id()).state()).isEqualTo(RUNNING);
    assertThat(finish(new JobFinish.Completed(ref(job), at(61)))).containsExactly(job.id());
  }

  @Test
  void aHeartbeatRecordsItsTimeUntilTheNextClaimClearsIt() {
    JobInfo job = running(job().maxAttempts(3));
    assertThat(job.heartbeatAt()).as("the claim is no heartbeat").isNull();

    clock.set(at(20));
    assertThat(heartbeat(OWNER, at(80), ref(job))).isEmpty();
    JobInfo renewed = edit(job).leaseExpiresAt(at(80)).heartbeatAt(at(20)).build();
    assertThat(get(job.id())).isEqualTo(renewed);
    assertThat(listAll(JobQuery.all())).containsExactly(renewed);

    clock.set(at(25));
    assertThat(heartbeat(OTHER_OWNER, at(90), ref(job))).as("not its holder").hasSize(1);
    assertThat(get(job.id()).heartbeatAt()).isEqualTo(at(20));

    clock.set(at(81));
    rescue();
    assertThat(get(job.id()).heartbeatAt()).as("kept when the attempt ends").isEqualTo(at(20));

    stage();
    JobInfo retaken = fetchOnly(QUEUE, job.id());
    assertThat(retaken.heartbeatAt()).as("a new attempt").isNull();
    assertThat(get(job.id()).heartbeatAt()).isNull();
  }

  @Test
  void aHeartbeatDelaysTheRescueToTheNewExpiry() {
    JobInfo job = running(job());
    heartbeat(OWNER, at(80), ref(job));

    clock.set(at(80));
    assertThat(rescue().count()).isZero();
    clock.set(at(81));
    assertThat(rescue().retryable()).containsExactly(job.id());
  }

  @Test
  void rescueRespectsItsLimit() {
    List<JobInfo> jobs = fetch(QUEUE, 10, insert(job(), job(), job(), job(), job()));
    clock.set(at(31));

    JobRescueResult first = store.jobRescueExpired(new JobRescueParams(now(), 2));
    JobRescueResult second = store.jobRescueExpired(new JobRescueParams(now(), 2));
    JobRescueResult third = store.jobRescueExpired(new JobRescueParams(now(), 2));
    JobRescueResult fourth = store.jobRescueExpired(new JobRescueParams(now(), 2));

    assertThat(List.of(first.count(), second.count(), third.count(), fourth.count()))
        .containsExactly(2, 2, 1, 0);
    List<Long> rescued = new ArrayList<>();
    for (JobRescueResult r : List.of(first, second, third)) {
      rescued.addAll(r.retryable());
    }
    assertThat(rescued).containsExactlyInAnyOrderElementsOf(ids(jobs));
    assertThat(counts(QUEUE)).isEqualTo(Map.of(RETRYABLE, 5L));
  }

  @Test
  void rescueTouchesOnlyRunningJobsWithExpiredLeases() {
    long available = insertOne(job().queue("available"));
    long scheduled = insertOne(job().scheduledAt(at(10)));
    long retryable = retryable(job().queue("retryable"), at(5)).id();
    long completed = completed(job().queue("completed")).id();
    JobInfo cancelledWhileRunning = running(job().queue("cancelled"));
    store.jobCancel(new JobCancelParams(cancelledWhileRunning.id(), now(), "stop"));
    JobInfo expired = running(job().queue("expired"));
    List<Long> others =
        List.of(available, scheduled, retryable, completed, cancelledWhileRunning.id());
    List<JobInfo> before = others.stream().map(this::get).toList();
    clock.set(at(1_000));

    JobRescueResult result = rescue();

    assertThat(result.retryable()).containsExactly(expired.id());
    assertThat(result.discarded()).isEmpty();
    assertThat(others.stream().map(this::get).toList()).isEqualTo(before);
  }

  private static void assertLeaseExpiredError(List<AttemptError> errors, int attempt, Instant at) {
    assertThat(errors).hasSize(1);
    AttemptError error = errors.get(0);
    assertThat(error.attempt()).isEqualTo(attempt);
    assertThat(error.at()).isEqualTo(at);
    assertThat(error.errorClass()).isEqualTo("lease_expired");
  }
}
