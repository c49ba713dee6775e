package dev.errand.contract;

import static dev.errand.JobState.AVAILABLE;
import static dev.errand.JobState.RUNNING;
import static dev.errand.JobState.SCHEDULED;
import static org.assertj.core.api.Assertions.assertThat;

import dev.errand.JobInfo;
import dev.errand.spi.JobCancelParams;
import dev.errand.spi.JobFetchParams;
import dev.errand.spi.JobFinish;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * Fetch, an area of the {@link StoreContract}: a claim takes only available jobs of its queue, at
 * most its limit, in order of priority, run time and id, each under a lease that starts its next
 * attempt; kind filters; paused queues.
 */
abstract class FetchContract extends ContractFixtures {

  @Test
  void claimsAJobAsRunningUnderTheGivenLease() {
    long id = insertOne(job().maxAttempts(4));
    clock.set(at(10));

    List<JobInfo> fetched = store.jobFetch(new JobFetchParams(QUEUE, 10, OWNER, now(), at(70)));

    JobInfo expected =
        new JobInfo(
            id, "email", QUEUE, RUNNING, "{}", 0, 1, 4, T0, T0, at(10), null, OWNER, at(70),
            List.of(), Map.of(), List.of());
    assertThat(fetched).containsExactly(expected);
    assertThat(get(id)).isEqualTo(expected);
  }

  @Test
  void aJobMadeAvailableBeforeTheJobsClaimedSoFarIsClaimedNext() {
    // A store may remember where its last claim ended (PostgreSQL does, to skip the entries of
    // claimed jobs); whatever becomes available before that point must still come first.
    clock.set(at(100));
    List<Long> backlog = ids(insert(job().priority(5), job().priority(5), job().priority(5)));
    assertThat(ids(fetch(QUEUE, 1))).containsExactly(backlog.get(0));

    long urgent = insertOne(job().priority(1));
    assertThat(ids(fetch(QUEUE, 1))).as("a higher priority").containsExactly(urgent);

    long early = insertOne(job().priority(5).scheduledAt(at(50)));
    assertThat(ids(fetch(QUEUE, 1))).as("an earlier run time").containsExactly(early);

    JobInfo failing = fetchOnly(QUEUE, backlog.get(1));
    finish(new JobFinish.Failed(ref(failing), now(), failure(1, now()), at(90)));
    stage();
    assertThat(ids(fetch(QUEUE, 1))).as("a retry staged").containsExactly(backlog.get(1));

    assertThat(ids(fetch(QUEUE, 5))).containsExactly(backlog.get(2));
  }

  @Test
  void aKindFilterClaimsOnlyThoseKindsAndLeavesTheOthersAvailable() {
    List<Long> ids =
        ids(insert(job().kind("email"), job().kind("sms"), job().kind("push"), job().kind("sms")));

    List<JobInfo> fetched =
        store.jobFetch(
            new JobFetchParams(QUEUE, Set.of("sms", "push"), 10, OWNER, now(), now().plus(LEASE)));

    assertThat(ids(fetched)).containsExactly(ids.get(1), ids.get(2), ids.get(3));
    assertThat(get(ids.get(0)).state()).isEqualTo(AVAILABLE);
    assertThat(ids(fetch(QUEUE, 10))).containsExactly(ids.get(0));
  }

  @Test
  void aKindFilterKeepsTheFetchOrderAndTheLimit() {
    List<Long> ids =
        ids(
            insert(
                job().kind("sms").priority(5),
                job().kind("email").priority(0),
                job().kind("sms").priority(1),
                job().kind("sms").priority(3)));

    List<JobInfo> fetched =
        store.jobFetch(
            new JobFetchParams(QUEUE, Set.of("sms"), 2, OWNER, now(), now().plus(LEASE)));

    assertThat(ids(fetched)).containsExactly(ids.get(2), ids.get(3));
  }

  @Test
  void aBulkInsertsJobsTakeTheirPlacesAmongTheJobsWaiting() {
    // A store may put a bulk insert's jobs behind those waiting, as a queue would (Redis does):
    // those that go before some of them must still be claimed first, in every list they join.
    clock.set(at(100));
    List<Long> waiting = ids(insert(job().priority(1), job().priority(1), job()));
    List<Long> bulk =
        ids(
            insert(
                job().priority(1).scheduledAt(at(50)),
                job(),
                job().priority(1).scheduledAt(at(20)),
                job().priority(1)));

    assertThat(ids(fetch(QUEUE, 10)))
        .containsExactly(
            waiting.get(2),
            bulk.get(1),
            bulk.get(2),
            bulk.get(0),
            waiting.get(0),
            waiting.get(1),
            bulk.get(3));
  }

  @Test
  void claimsInOrderOfPriorityThenScheduledAtThenId() {
    List<Long> expectedOrder = insertScrambledPriorities();

    assertThat(ids(fetch(QUEUE, 100))).containsExactlyElementsOf(expectedOrder);
  }

  @Test
  void theOrderHoldsAcrossBatchesOfOne() {
    List<Long> expectedOrder = insertScrambledPriorities();

    List<Long> claimed = new ArrayList<>();
    for (int i = 0; i < expectedOrder.size(); i++) {
      List<JobInfo> batch = fetch(QUEUE, 1);
      assertThat(batch).hasSize(1);
      claimed.add(batch.get(0).id());
    }

    assertThat(claimed).containsExactlyElementsOf(expectedOrder);
    assertThat(fetch(QUEUE, 1)).isEmpty();
  }

  @Test
  void claimsAtMostLimitJobsAndNeverTheSameJobTwice() {
    List<Long> ids = ids(insert(job(), job(), job(), job(), job()));

    assertThat(ids(fetch(QUEUE, 2))).containsExactlyElementsOf(ids.subList(0, 2));
    assertThat(ids(fetch(QUEUE, 2))).containsExactlyElementsOf(ids.subList(2, 4));
    assertThat(ids(fetch(QUEUE, 2))).containsExactlyElementsOf(ids.subList(4, 5));
    assertThat(fetch(QUEUE, 2)).isEmpty();
    assertThat(counts(QUEUE)).isEqualTo(Map.of(RUNNING, 5L));
  }

  @Test
  void neverClaimsAScheduledJobEvenWhenItIsDueUntilItIsStaged() {
    long id = insertOne(job().scheduledAt(at(60)));

    assertThat(fetch(QUEUE, 10)).isEmpty();
    clock.set(at(59));
    assertThat(fetch(QUEUE, 10)).isEmpty();
    clock.set(at(60));
    assertThat(fetch(QUEUE, 10)).as("SCHEDULED is not AVAILABLE before staging").isEmpty();
    assertThat(get(id).state()).isEqualTo(SCHEDULED);
    assertThat(get(id).attempt()).isZero();

    stage();

    assertThat(ids(fetch(QUEUE, 10))).containsExactly(id);
  }

  @Test
  void neverClaimsAnAvailableJobScheduledAfterTheFetchTime() {
    // A node whose clock lags behind the one that inserted must still not run a job early.
    clock.set(at(60));
    long due = insertOne(job().priority(5).scheduledAt(T0));
    long notYet = insertOne(job().priority(0).scheduledAt(at(60)));
    assertThat(get(notYet).state()).isEqualTo(AVAILABLE);

    List<JobInfo> lagging = store.jobFetch(new JobFetchParams(QUEUE, 10, OWNER, at(30), at(90)));

    assertThat(ids(lagging)).containsExactly(due);
    assertThat(get(notYet).state()).isEqualTo(AVAILABLE);
    assertThat(ids(fetch(QUEUE, 10))).containsExactly(notYet);
  }

  @Test
  void claimsOnlyFromTheGivenQueue() {
    long a = insertOne(job().queue("a"));
    long b = insertOne(job().queue("b"));

    assertThat(ids(fetch("a", 10))).containsExactly(a);
    assertThat(get(b).state()).isEqualTo(AVAILABLE);
    assertThat(fetch("c", 10)).isEmpty();
    assertThat(ids(fetch("b", 10))).containsExactly(b);
  }

  @Test
  void claimsNothingFromAPausedQueueUntilItIsResumed() {
    long a = insertOne(job().queue("a"));
    long b = insertOne(job().queue("b"));
    store.queuePause("a");

    assertThat(fetch("a", 10)).isEmpty();
    assertThat(ids(fetch("b", 10))).as("other queues run on").containsExactly(b);
    JobInfo paused = get(a);
    assertThat(paused.state()).isEqualTo(AVAILABLE);
    assertThat(paused.attempt()).isZero();

    store.queueResume("a");

    assertThat(ids(fetch("a", 10))).containsExactly(a);
  }

  @Test
  void aQueuePausedBeforeItHasJobsHoldsTheJobsAddedLater() {
    store.queuePause("a");
    long id = insertOne(job().queue("a"));

    assertThat(fetch("a", 10)).isEmpty();
    assertThat(get(id).state()).isEqualTo(AVAILABLE);
  }

  @Test
  void claimsOnlyAvailableJobs() {
    running(job());
    retryable(job(), T0);
    completed(job());
    store.jobCancel(new JobCancelParams(insertOne(job()), now(), "no"));
    insertOne(job().scheduledAt(at(1)));

    assertThat(fetch(QUEUE, 100)).isEmpty();
  }

  @Test
  void eachClaimStartsTheNextAttempt() {
    long id = insertOne(job().maxAttempts(5));
    for (int attempt = 1; attempt <= 3; attempt++) {
      clock.set(at(attempt * 100));
      JobInfo claimed = fetchOnly(QUEUE, id);
      assertThat(claimed.attempt()).isEqualTo(attempt);
      assertThat(claimed.attemptedAt()).isEqualTo(at(attempt * 100));
      finish(new JobFinish.Failed(ref(claimed), now(), failure(attempt, now()), now()));
      stage();
    }
  }

  /** Six due jobs inserted out of order; returns their ids in fetch order. */
  private List<Long> insertScrambledPriorities() {
    long a = insertOne(job().priority(2).scheduledAt(at(-30)));
    long b = insertOne(job().priority(1).scheduledAt(at(-10)));
    long c = insertOne(job().priority(1).scheduledAt(at(-20)));
    long d = insertOne(job().priority(0).scheduledAt(T0));
    long e = insertOne(job().priority(1).scheduledAt(at(-20)));
    long f = insertOne(job().priority(2).scheduledAt(at(-30)));
    return List.of(d, c, e, b, a, f);
  }
}
