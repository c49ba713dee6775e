package dev.errand.contract;

import static dev.errand.JobState.AVAILABLE;
import static dev.errand.JobState.CANCELLED;
import static dev.errand.JobState.COMPLETED;
import static dev.errand.JobState.DISCARDED;
import static dev.errand.JobState.PENDING;
import static dev.errand.JobState.RETRYABLE;
import static dev.errand.JobState.RUNNING;
import static dev.errand.JobState.SCHEDULED;
import static java.util.concurrent.TimeUnit.SECONDS;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assumptions.assumeFalse;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.errand.AttemptError;
import dev.errand.DependencyCounts;
import dev.errand.DependencyFailure;
import dev.errand.DuplicateJobException;
import dev.errand.EnqueueOptions;
import dev.errand.Enqueued;
import dev.errand.JobInfo;
import dev.errand.JobQuery;
import dev.errand.JobState;
import dev.errand.NodeInfo;
import dev.errand.QueueInfo;
import dev.errand.UnknownDependencyException;
import dev.errand.spi.Capability;
import dev.errand.spi.JobCancelParams;
import dev.errand.spi.JobDeleteParams;
import dev.errand.spi.JobFetchParams;
import dev.errand.spi.JobFinish;
import dev.errand.spi.JobInsertBatchParams;
import dev.errand.spi.JobInsertManyParams;
import dev.errand.spi.JobRef;
import dev.errand.spi.JobRescueParams;
import dev.errand.spi.JobRescueResult;
import dev.errand.spi.JobRetryParams;
import dev.errand.spi.JobStageParams;
import dev.errand.spi.JobStageResult;
import dev.errand.spi.LeaderElectParams;
import dev.errand.spi.LeaderResignParams;
import dev.errand.spi.NewJob;
import dev.errand.spi.NodeListParams;
import dev.errand.spi.NodePruneParams;
import dev.errand.spi.NodeRemoveParams;
import dev.errand.spi.NodeReportParams;
import dev.errand.spi.Notifier;
import dev.errand.spi.Store;
import java.lang.reflect.Proxy;
import java.sql.Connection;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.stream.IntStream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;

/**
 * The contract every {@link Store} must pass: the semantics the SPI's Javadoc promises, checked the
 * same way for every backend. A store's test is a short subclass that implements {@link
 * #createStore()}.
 *
 * <p>Every test gets a fresh, empty store and closes it afterwards. The store never reads a clock:
 * every time comes from {@link #clock}, which starts at {@link #T0} and moves only when a test
 * moves it. Features a store may lack are skipped with {@code assumeTrue(capabilities...)}.
 */
public abstract class StoreContract extends ContractFixtures {

  /** How long a node's entry counts in the node tests. */
  private static final Duration NODE_TERM = Duration.ofSeconds(30);

  // ---------------------------------------------------------------------------------------------
  // Insert

  @Nested
  class Insert {

    @Test
    void storesAnAvailableJobWithEveryFieldAndAttemptZero() {
      List<Enqueued> result =
          insert(
              job()
                  .kind("email.send")
                  .queue("mail")
                  .args("{\"to\": \"a@example.com\"}")
                  .priority(3)
                  .maxAttempts(5)
                  .tags("welcome", "eu")
                  .metadata(Map.of("tenant", "42", "source", "signup")));

      assertThat(result).hasSize(1);
      long id = result.get(0).id();
      assertThat(result.get(0)).isEqualTo(new Enqueued(id, AVAILABLE, false));
      assertThat(id).as("ids are positive: 0 means 'before the first' in JobQuery").isPositive();
      assertThat(get(id))
          .isEqualTo(
              new JobInfo(
                  id,
                  "email.send",
                  "mail",
                  AVAILABLE,
                  "{\"to\": \"a@example.com\"}",
                  3,
                  0,
                  5,
                  T0,
                  T0,
                  null,
                  null,
                  null,
                  null,
                  List.of("welcome", "eu"),
                  Map.of("tenant", "42", "source", "signup"),
                  List.of()));
    }

    @Test
    void jobsThatDifferOnlyInArgsKeepEveryFieldAndTheirOrder() {
      // The shape of a bulk enqueue: one kind, the same options. A store may write such a batch
      // on a faster path (PostgreSQL does); what it stores must not differ.
      List<Enqueued> result =
          insert(
              job()
                  .kind("email.send")
                  .queue("mail")
                  .args("{\"to\": \"a@example.com\"}")
                  .priority(3)
                  .maxAttempts(5)
                  .scheduledAt(at(60))
                  .tags("welcome", "eu")
                  .metadata(Map.of("tenant", "42")),
              job()
                  .kind("email.send")
                  .queue("mail")
                  .args("{\"to\": \"b@example.com\"}")
                  .priority(3)
                  .maxAttempts(5)
                  .scheduledAt(at(60))
                  .tags("welcome", "eu")
                  .metadata(Map.of("tenant", "42")));

      assertThat(result).extracting(Enqueued::state).containsExactly(SCHEDULED, SCHEDULED);
      assertStrictlyIncreasing(ids(result));
      for (int i = 0; i < 2; i++) {
        long id = result.get(i).id();
        assertThat(get(id))
            .isEqualTo(
                new JobInfo(
                    id,
                    "email.send",
                    "mail",
                    SCHEDULED,
                    i == 0 ? "{\"to\": \"a@example.com\"}" : "{\"to\": \"b@example.com\"}",
                    3,
                    0,
                    5,
                    T0,
                    at(60),
                    null,
                    null,
                    null,
                    null,
                    List.of("welcome", "eu"),
                    Map.of("tenant", "42"),
                    List.of()));
      }
    }

    @Test
    void argsAreKeptByteForByteNumbersAndTextIncluded() {
      // What a client enqueues is what a worker receives: no store may re-encode args, which
      // would turn 1e400 into Infinity, 0.1000000000000000000000001 into 0.1 and 2.50 into 2.5.
      String args =
          "{\"huge\": 1e400, \"tiny\": -1E-400, \"precise\": 0.1000000000000000000000001,"
              + " \"trailing\": 2.50, \"big\": 123456789012345678901234567890,"
              + " \"text\": \"\ud83d\ude00 Zo\u00eb \\u00e9\\\\\", \"list\": [0.0, -0, 1e-1000]}";
      long single = insert(job().args(args)).get(0).id();
      List<Enqueued> bulk = insert(job().args(args), job().args(args));

      assertThat(get(single).argsJson()).isEqualTo(args);
      for (Enqueued enqueued : bulk) {
        assertThat(get(enqueued.id()).argsJson()).isEqualTo(args);
      }
      assertThat(fetch(QUEUE, 10)).extracting(JobInfo::argsJson).containsOnly(args);
    }

    @Test
    void aJobDueLaterIsScheduledAndOneDueNowOrEarlierIsAvailable() {
      List<Enqueued> result =
          insert(
              job().scheduledAt(at(60)),
              job().scheduledAt(T0),
              job().scheduledAt(T0.minusSeconds(60)));

      assertThat(result)
          .extracting(Enqueued::state)
          .containsExactly(SCHEDULED, AVAILABLE, AVAILABLE);
      assertThat(result).extracting(Enqueued::duplicate).containsOnly(false);
      JobInfo later = get(result.get(0).id());
      assertThat(later.state()).isEqualTo(SCHEDULED);
      assertThat(later.scheduledAt()).isEqualTo(at(60));
      assertThat(later.createdAt()).isEqualTo(T0);
      assertThat(later.attempt()).isZero();
      assertThat(get(result.get(1).id()).scheduledAt()).isEqualTo(T0);
      JobInfo earlier = get(result.get(2).id());
      assertThat(earlier.state()).isEqualTo(AVAILABLE);
      assertThat(earlier.scheduledAt()).isEqualTo(T0.minusSeconds(60));
    }

    @Test
    void textBeyondTheBasicPlaneReadsBackExactly() {
      // Core refuses NUL and unpaired surrogates (StoredText); everything else must survive,
      // surrogate pairs included, whether raw or escaped in the args.
      String emoji = "\ud83d\ude00";
      String args = "{\"raw\": \"" + emoji + " 日本\", \"escaped\": \"\\ud83d\\ude00\"}";
      String owner = "worker " + emoji;
      long failed =
          insertOne(
              job()
                  .args(args)
                  .maxAttempts(2)
                  .tags("🚀 launch", "日本", emoji)
                  .metadata(Map.of("🔑 key", "värde " + emoji)));
      long cancelled = insertOne(job().queue("other"));

      JobInfo running = fetchOnlyAs(owner, QUEUE, failed);
      assertThat(running.leaseOwner()).isEqualTo(owner);
      AttemptError error =
          new AttemptError(1, now(), "Err" + emoji, "message " + emoji, "at " + emoji + "\n");
      finish(new JobFinish.Failed(ref(running), now(), error, now()));
      store.jobCancel(new JobCancelParams(cancelled, now(), "reason " + emoji));

      JobInfo job = get(failed);
      assertThat(job.argsJson()).isEqualTo(args);
      assertThat(job.tags()).containsExactly("🚀 launch", "日本", emoji);
      assertThat(job.metadata()).isEqualTo(Map.of("🔑 key", "värde " + emoji));
      assertThat(job.errors()).containsExactly(error);
      assertThat(get(cancelled).errors())
          .singleElement()
          .satisfies(e -> assertThat(e.message()).isEqualTo("reason " + emoji));
    }

    @Test
    void runTimesAtTheEdgesOfTheAcceptedRangeReadBackExactly() {
      // The range enqueue lets through, to the microsecond, and the longest delay from now.
      Instant farthest = now().plus(EnqueueOptions.MAX_RUN_IN);
      List<Enqueued> result =
          insert(
              job().scheduledAt(EnqueueOptions.MIN_RUN_AT),
              job().scheduledAt(EnqueueOptions.MAX_RUN_AT));

      assertThat(result).extracting(Enqueued::state).containsExactly(AVAILABLE, SCHEDULED);
      assertThat(get(result.get(1).id()).scheduledAt()).isEqualTo(EnqueueOptions.MAX_RUN_AT);
      JobInfo first = fetchOnly(QUEUE, result.get(0).id());
      assertThat(first.scheduledAt()).isEqualTo(EnqueueOptions.MIN_RUN_AT);
      finish(new JobFinish.Snoozed(ref(first), now(), EnqueueOptions.MAX_RUN_AT));
      assertThat(get(first.id()).scheduledAt()).isEqualTo(EnqueueOptions.MAX_RUN_AT);
      assertThat(retryable(job(), farthest).scheduledAt()).isEqualTo(farthest);
    }

    @Test
    void createdAtIsTheInsertTimeNotTheRunTime() {
      clock.set(at(100));

      long id = insertOne(job().scheduledAt(at(500)));

      assertThat(get(id).createdAt()).isEqualTo(at(100));
      assertThat(get(id).scheduledAt()).isEqualTo(at(500));
    }

    @Test
    void idsIncreaseInInsertionOrderWithinAndAcrossCalls() {
      List<Enqueued> first = insert(job(), job().queue("other"), job().scheduledAt(at(5)));
      List<Enqueued> second = insert(job().kind("other"), job());

      List<Long> ids = new ArrayList<>();
      first.forEach(e -> ids.add(e.id()));
      second.forEach(e -> ids.add(e.id()));
      assertStrictlyIncreasing(ids);
      assertThat(ids(listAll(JobQuery.all()))).containsExactlyElementsOf(ids);
    }

    @Test
    void anEmptyInsertStoresNothing() {
      assertThat(store.jobInsertMany(new JobInsertManyParams(List.of(), now()))).isEmpty();

      assertThat(store.jobList(JobQuery.all())).isEmpty();
      assertThat(store.queueList()).isEmpty();
    }

    @Test
    void withoutTxEnqueueATransactionalInsertIsRefusedAndStoresNothing() {
      assumeFalse(
          store.capabilities().contains(Capability.TX_ENQUEUE), "the store declares TX_ENQUEUE");
      Connection untouchable =
          (Connection)
              Proxy.newProxyInstance(
                  StoreContract.class.getClassLoader(),
                  new Class<?>[] {Connection.class},
                  (proxy, method, args) -> {
                    throw new AssertionError("the store used the connection: " + method);
                  });
      JobInsertManyParams params = new JobInsertManyParams(List.of(job().build(now())), now());

      assertThatThrownBy(() -> store.jobInsertMany(untouchable, params))
          .isInstanceOf(UnsupportedOperationException.class);

      assertThat(store.jobList(JobQuery.all())).isEmpty();
    }

    @Test
    void jobsOfSeveralQueuesAndKindsGoInOneCall() {
      List<Enqueued> result =
          insert(job().queue("a").kind("x"), job().queue("b").kind("y"), job().queue("a"));

      assertThat(result).extracting(Enqueued::state).containsOnly(AVAILABLE);
      assertThat(get(result.get(0).id()).queue()).isEqualTo("a");
      assertThat(get(result.get(0).id()).kind()).isEqualTo("x");
      assertThat(get(result.get(1).id()).queue()).isEqualTo("b");
      assertThat(get(result.get(1).id()).kind()).isEqualTo("y");
      assertThat(counts("a")).isEqualTo(Map.of(AVAILABLE, 2L));
      assertThat(counts("b")).isEqualTo(Map.of(AVAILABLE, 1L));
    }
  }

  // ---------------------------------------------------------------------------------------------
  // Fetch

  @Nested
  class Fetch {

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
          ids(
              insert(
                  job().kind("email"), job().kind("sms"), job().kind("push"), job().kind("sms")));

      List<JobInfo> fetched =
          store.jobFetch(
              new JobFetchParams(
                  QUEUE, Set.of("sms", "push"), 10, OWNER, now(), now().plus(LEASE)));

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

  // ---------------------------------------------------------------------------------------------
  // Finish

  @Nested
  class Finish {

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
              edit(job).state(RETRYABLE).scheduledAt(at(35)).noLease().errors(error).build());
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
          .isEqualTo(edit(job).state(DISCARDED).finalizedAt(at(5)).noLease().errors(error).build());
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
      assertThat(second.errors()).containsExactly(e1);
      AttemptError e2 = failure(2, at(12));

      assertThat(finish(new JobFinish.Failed(ref(second), at(12), e2, null))).containsExactly(id);

      JobInfo last = get(id);
      assertThat(last.state()).isEqualTo(DISCARDED);
      assertThat(last.attempt()).isEqualTo(2);
      assertThat(last.finalizedAt()).isEqualTo(at(12));
      assertThat(last.errors()).containsExactly(e1, e2);
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

      assertThat(finish(new JobFinish.Cancelled(ref(job), now(), reason)))
          .containsExactly(job.id());

      assertThat(get(job.id()))
          .isEqualTo(
              edit(job).state(CANCELLED).finalizedAt(at(5)).noLease().errors(reason).build());
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
              new JobFinish.Failed(
                  new JobRef(available + 1_000, 1), now(), failure(1, now()), null),
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

  // ---------------------------------------------------------------------------------------------
  // Fencing

  @Nested
  class Fencing {

    @Test
    void aStaleAttemptCannotWriteAnyResult() {
      long id = insertOne(job().maxAttempts(3));
      JobInfo first = fetchOnly(QUEUE, id);
      finish(new JobFinish.Failed(ref(first), at(1), failure(1, at(1)), at(1)));
      clock.set(at(1));
      stage();
      JobInfo second = fetchOnlyAs(OTHER_OWNER, QUEUE, id);
      assertThat(second.attempt()).isEqualTo(2);
      JobRef stale = ref(first);

      for (JobFinish result :
          List.<JobFinish>of(
              new JobFinish.Completed(stale, now()),
              new JobFinish.Failed(stale, now(), failure(1, now()), null),
              new JobFinish.Failed(stale, now(), failure(1, now()), at(100)),
              new JobFinish.Snoozed(stale, now(), at(100)),
              new JobFinish.Cancelled(stale, now(), AttemptError.of(1, now(), "cancelled", "x")),
              new JobFinish.Released(stale, now()))) {
        assertThat(finish(result)).as(result.toString()).isEmpty();
        assertThat(get(id)).as(result.toString()).isEqualTo(second);
      }

      assertThat(finish(new JobFinish.Completed(ref(second), now()))).containsExactly(id);
      assertThat(get(id).state()).isEqualTo(COMPLETED);
    }

    @Test
    void anAttemptThatHasNotStartedIsFencedToo() {
      JobInfo job = running(job());

      assertThat(finish(new JobFinish.Completed(new JobRef(job.id(), 2), now()))).isEmpty();

      assertThat(get(job.id())).isEqualTo(job);
    }

    @Test
    void onlyTheFirstResultOfAnAttemptIsWritten() {
      JobInfo job = running(job());
      finish(new JobFinish.Completed(ref(job), at(1)));
      JobInfo completed = get(job.id());

      assertThat(finish(new JobFinish.Failed(ref(job), at(2), failure(1, at(2)), at(3)))).isEmpty();
      assertThat(finish(new JobFinish.Released(ref(job), at(2)))).isEmpty();

      assertThat(get(job.id())).isEqualTo(completed);
    }

    @Test
    void aBatchWritesTheCurrentResultsAndSkipsTheFencedOnes() {
      JobInfo a = running(job());
      JobInfo b = running(job());
      store.jobCancel(new JobCancelParams(b.id(), now(), "stop"));
      JobInfo cancelled = get(b.id());

      Set<Long> applied =
          finish(new JobFinish.Completed(ref(a), at(1)), new JobFinish.Completed(ref(b), at(1)));

      assertThat(applied).containsExactly(a.id());
      assertThat(get(a.id()).state()).isEqualTo(COMPLETED);
      assertThat(get(b.id())).isEqualTo(cancelled);
    }

    @Test
    void heartbeatExtendsTheLeasesItHolds() {
      JobInfo a = running(job());
      JobInfo b = running(job());
      clock.set(at(20));

      assertThat(heartbeat(OWNER, at(80), ref(a), ref(b))).isEmpty();

      assertThat(get(a.id())).isEqualTo(edit(a).leaseExpiresAt(at(80)).build());
      assertThat(get(b.id())).isEqualTo(edit(b).leaseExpiresAt(at(80)).build());
    }

    @Test
    void heartbeatReportsTheJobsItNoLongerHolds() {
      JobInfo held = running(job());
      heartbeat(OWNER, at(100), ref(held));
      JobInfo heldBefore = get(held.id());
      JobInfo completed = running(job());
      finish(new JobFinish.Completed(ref(completed), now()));
      JobInfo cancelled = running(job());
      store.jobCancel(new JobCancelParams(cancelled.id(), now(), "stop"));
      JobInfo deleted = running(job());
      finish(new JobFinish.Completed(ref(deleted), now()));
      assertThat(delete(deleted.id())).isTrue();
      JobInfo released = running(job().maxAttempts(5));
      finish(new JobFinish.Released(ref(released), now()));
      JobInfo rescued = running(job().queue("short"));
      clock.set(at(31));
      assertThat(rescue().retryable()).containsExactly(rescued.id());
      JobInfo retaken = running(job().maxAttempts(5).queue("retaken"));
      finish(new JobFinish.Failed(ref(retaken), now(), failure(1, now()), now()));
      stage();
      JobInfo retakenByOther = fetchOnlyAs(OTHER_OWNER, "retaken", retaken.id());
      long unknown = retaken.id() + 1_000;

      Set<Long> lost =
          heartbeat(
              OWNER,
              at(90),
              ref(held),
              ref(completed),
              ref(cancelled),
              ref(deleted),
              ref(released),
              ref(rescued),
              ref(retaken),
              new JobRef(unknown, 1));

      assertThat(lost)
          .containsExactlyInAnyOrder(
              completed.id(),
              cancelled.id(),
              deleted.id(),
              released.id(),
              rescued.id(),
              retaken.id(),
              unknown);
      assertThat(get(held.id())).isEqualTo(edit(heldBefore).leaseExpiresAt(at(90)).build());
      assertThat(get(retaken.id())).as("the new holder's lease").isEqualTo(retakenByOther);
    }

    @Test
    void heartbeatFromAnotherOwnerIsReportedLostAndLeavesTheLease() {
      JobInfo job = running(job());

      assertThat(heartbeat(OTHER_OWNER, at(300), ref(job))).containsExactly(job.id());

      assertThat(get(job.id())).isEqualTo(job);
    }
  }

  // ---------------------------------------------------------------------------------------------
  // Leases and rescue

  @Nested
  class LeasesAndRescue {

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
      List<JobInfo> before = others.stream().map(StoreContract.this::get).toList();
      clock.set(at(1_000));

      JobRescueResult result = rescue();

      assertThat(result.retryable()).containsExactly(expired.id());
      assertThat(result.discarded()).isEmpty();
      assertThat(others.stream().map(StoreContract.this::get).toList()).isEqualTo(before);
    }
  }

  // ---------------------------------------------------------------------------------------------
  // Staging

  @Nested
  class Staging {

    @Test
    void aScheduledJobBecomesAvailableAtItsTimeNotBefore() {
      long id = insertOne(job().scheduledAt(at(60)));
      JobInfo scheduled = get(id);

      clock.set(at(59));
      assertThat(stage().stagedByQueue()).isEmpty();
      assertThat(get(id)).isEqualTo(scheduled);

      clock.set(at(60));
      JobStageResult result = stage();

      assertThat(result.stagedByQueue()).isEqualTo(Map.of(QUEUE, 1));
      assertThat(result.total()).isEqualTo(1);
      assertThat(get(id)).isEqualTo(edit(scheduled).state(AVAILABLE).build());
    }

    @Test
    void aRetryableJobBecomesAvailableAtItsRetryTimeNotBefore() {
      JobInfo retryable = retryable(job(), at(30));

      clock.set(at(29));
      assertThat(stage().total()).isZero();
      assertThat(get(retryable.id())).isEqualTo(retryable);

      clock.set(at(45));
      assertThat(stage().stagedByQueue()).isEqualTo(Map.of(QUEUE, 1));
      assertThat(get(retryable.id())).isEqualTo(edit(retryable).state(AVAILABLE).build());
      assertThat(fetchOnly(QUEUE, retryable.id()).attempt()).isEqualTo(2);
    }

    @Test
    void stagingRespectsItsLimit() {
      insert(
          job().scheduledAt(at(1)),
          job().scheduledAt(at(2)),
          job().scheduledAt(at(3)),
          job().scheduledAt(at(4)),
          job().scheduledAt(at(5)));
      clock.set(at(10));

      assertThat(store.jobStage(new JobStageParams(now(), 2)).total()).isEqualTo(2);
      assertThat(counts(QUEUE)).isEqualTo(Map.of(AVAILABLE, 2L, SCHEDULED, 3L));
      assertThat(store.jobStage(new JobStageParams(now(), 2)).total()).isEqualTo(2);
      assertThat(store.jobStage(new JobStageParams(now(), 2)).total()).isEqualTo(1);
      assertThat(store.jobStage(new JobStageParams(now(), 2)).total()).isZero();
      assertThat(counts(QUEUE)).isEqualTo(Map.of(AVAILABLE, 5L));
    }

    @Test
    void theResultCountsTheStagedJobsPerQueue() {
      insert(
          job().queue("a").scheduledAt(at(10)),
          job().queue("b").scheduledAt(at(20)),
          job().queue("a").scheduledAt(at(30)),
          job().queue("c").scheduledAt(at(31)));
      retryable(job().queue("b"), at(25));
      clock.set(at(30));

      JobStageResult result = stage();

      assertThat(result.stagedByQueue()).isEqualTo(Map.of("a", 2, "b", 2));
      assertThat(result.total()).isEqualTo(4);
      assertThat(counts("c")).isEqualTo(Map.of(SCHEDULED, 1L));
    }

    @Test
    void stagingLeavesEveryOtherStateAlone() {
      long available = insertOne(job().queue("available"));
      long running = running(job().queue("running")).id();
      long completed = completed(job().queue("completed")).id();
      long discarded = discarded(job().queue("discarded")).id();
      long cancelled = cancelled(job().queue("cancelled")).id();
      List<Long> ids = List.of(available, running, completed, discarded, cancelled);
      List<JobInfo> before = ids.stream().map(StoreContract.this::get).toList();
      clock.set(at(10_000));

      assertThat(stage().stagedByQueue()).isEmpty();

      assertThat(ids.stream().map(StoreContract.this::get).toList()).isEqualTo(before);
    }

    @Test
    void stagedJobsAreFetchedInOrderOfPriorityThenRunTime() {
      long late = insertOne(job().priority(1).scheduledAt(at(20)));
      long early = insertOne(job().priority(1).scheduledAt(at(10)));
      long urgent = insertOne(job().priority(0).scheduledAt(at(30)));
      long low = insertOne(job().priority(4).scheduledAt(at(5)));
      clock.set(at(30));
      stage();

      assertThat(ids(fetch(QUEUE, 10))).containsExactly(urgent, early, late, low);
    }
  }

  // ---------------------------------------------------------------------------------------------
  // Prune

  @Nested
  class Prune {

    @Test
    void deletesFinalJobsFinalizedBeforeTheirStatesCutOff() {
      clock.set(at(10));
      long completed = completed(job()).id();
      long discarded = discarded(job()).id();
      long cancelled = cancelled(job()).id();
      assertThat(List.of(completed, discarded, cancelled))
          .allSatisfy(id -> assertThat(get(id).finalizedAt()).isEqualTo(at(10)));

      assertThat(prune(at(11), at(10), at(5), 100)).isEqualTo(1);
      assertThat(store.jobGet(completed)).isEmpty();
      assertThat(store.jobGet(discarded)).as("finalized at, not before, its cut-off").isPresent();
      assertThat(store.jobGet(cancelled)).isPresent();

      assertThat(prune(at(11), at(11), at(10), 100)).isEqualTo(1);
      assertThat(store.jobGet(discarded)).isEmpty();
      assertThat(store.jobGet(cancelled)).isPresent();

      assertThat(prune(at(0), at(0), at(11), 100)).isEqualTo(1);
      assertThat(store.jobGet(cancelled)).isEmpty();
      assertThat(store.jobList(JobQuery.all())).isEmpty();
    }

    @Test
    void eachStateHasItsOwnCutOff() {
      clock.set(at(10));
      long completed = completed(job()).id();
      long discarded = discarded(job()).id();
      long cancelled = cancelled(job()).id();

      assertThat(prune(at(5), at(11), at(5), 100)).isEqualTo(1);

      assertThat(store.jobGet(discarded)).isEmpty();
      assertThat(ids(listAll(JobQuery.all()))).containsExactly(completed, cancelled);
    }

    @Test
    void deletesOnlyJobsPastTheCutOff() {
      List<Long> old = new ArrayList<>();
      for (int i = 0; i < 3; i++) {
        old.add(completed(job()).id());
      }
      clock.set(at(20));
      List<Long> recent = List.of(completed(job()).id(), completed(job()).id());

      assertThat(prune(at(15), at(15), at(15), 100)).isEqualTo(3);

      assertThat(ids(listAll(JobQuery.all()))).containsExactlyElementsOf(recent);
      assertThat(old).allSatisfy(id -> assertThat(store.jobGet(id)).isEmpty());
    }

    @Test
    void deletesAtMostLimitJobsPerCall() {
      for (int i = 0; i < 5; i++) {
        completed(job());
      }
      Instant later = at(100);

      assertThat(prune(later, later, later, 2)).isEqualTo(2);
      assertThat(store.jobList(JobQuery.all())).hasSize(3);
      assertThat(prune(later, later, later, 2)).isEqualTo(2);
      assertThat(prune(later, later, later, 2)).isEqualTo(1);
      assertThat(prune(later, later, later, 2)).isZero();
      assertThat(store.jobList(JobQuery.all())).isEmpty();
    }

    @Test
    void neverDeletesJobsThatAreNotFinal() {
      long scheduled = insertOne(job().scheduledAt(at(10)));
      long available = insertOne(job().queue("available"));
      long running = running(job().queue("running")).id();
      long retryable = retryable(job().queue("retryable"), at(5)).id();
      long completed = completed(job().queue("completed")).id();
      Instant farFuture = T0.plus(Duration.ofDays(3650));
      clock.set(farFuture);

      assertThat(prune(farFuture, farFuture, farFuture, 1_000)).isEqualTo(1);

      assertThat(store.jobGet(completed)).isEmpty();
      assertThat(ids(listAll(JobQuery.all())))
          .containsExactly(scheduled, available, running, retryable);
    }
  }

  // ---------------------------------------------------------------------------------------------
  // Views: get, list, cancel, retry, delete

  @Nested
  class Views {

    @Test
    void getReturnsEmptyForAnUnknownId() {
      long id = insertOne(job());

      assertThat(store.jobGet(id + 1)).isEmpty();
      assertThat(store.jobGet(0)).isEmpty();
      assertThat(store.jobGet(-1)).isEmpty();
    }

    @Test
    void listFiltersByStateQueueAndKindInAscendingIdOrder() {
      long j1 = insertOne(job().kind("a").queue("q1").priority(5));
      long j2 = insertOne(job().kind("b").queue("q1").scheduledAt(at(60)));
      long j3 = insertOne(job().kind("a").queue("q2").priority(5));
      long j4 = running(job().kind("a").queue("q1").priority(0)).id();
      long j5 = completed(job().kind("b").queue("q2").priority(0)).id();

      assertThat(ids(store.jobList(JobQuery.all()))).containsExactly(j1, j2, j3, j4, j5);
      assertThat(ids(store.jobList(JobQuery.all().withStates(AVAILABLE)))).containsExactly(j1, j3);
      assertThat(ids(store.jobList(JobQuery.all().withStates(AVAILABLE, RUNNING))))
          .containsExactly(j1, j3, j4);
      assertThat(ids(store.jobList(JobQuery.all().withQueue("q1")))).containsExactly(j1, j2, j4);
      assertThat(ids(store.jobList(JobQuery.all().withKind("b")))).containsExactly(j2, j5);
      assertThat(
              ids(
                  store.jobList(
                      JobQuery.all().withKind("a").withQueue("q1").withStates(AVAILABLE, RUNNING))))
          .containsExactly(j1, j4);
      assertThat(store.jobList(JobQuery.all().withQueue("q3"))).isEmpty();
      assertThat(store.jobList(JobQuery.all().withStates(RETRYABLE))).isEmpty();
    }

    @Test
    void listReturnsTheSameSnapshotsAsGet() {
      insertOne(job().tags("t").metadata(Map.of("k", "v")));
      running(job().queue("r"));
      retryable(job().queue("x"), at(40));

      List<JobInfo> listed = store.jobList(JobQuery.all());

      assertThat(listed).hasSize(3);
      assertThat(listed).allSatisfy(j -> assertThat(get(j.id())).isEqualTo(j));
    }

    @Test
    void listPagesWithAfterId() {
      List<Long> q1 = new ArrayList<>();
      for (int i = 0; i < 7; i++) {
        q1.add(insertOne(job().queue("q1")));
        insertOne(job().queue("q2"));
      }
      JobQuery query = JobQuery.all().withQueue("q1").withLimit(3);

      List<JobInfo> page1 = store.jobList(query);
      List<JobInfo> page2 = store.jobList(query.withAfterId(page1.get(2).id()));
      List<JobInfo> page3 = store.jobList(query.withAfterId(page2.get(2).id()));
      List<JobInfo> page4 = store.jobList(query.withAfterId(page3.get(0).id()));

      assertThat(ids(page1)).containsExactlyElementsOf(q1.subList(0, 3));
      assertThat(ids(page2)).containsExactlyElementsOf(q1.subList(3, 6));
      assertThat(ids(page3)).containsExactlyElementsOf(q1.subList(6, 7));
      assertThat(page4).isEmpty();
      assertThat(ids(store.jobList(JobQuery.all().withAfterId(q1.get(6))))).hasSize(1);
    }

    @Test
    void cancelMakesAnAvailableJobFinal() {
      long id = insertOne(job());
      JobInfo before = get(id);
      clock.set(at(5));

      Optional<JobInfo> result = store.jobCancel(new JobCancelParams(id, now(), "not needed"));

      JobInfo after = get(id);
      assertThat(result).contains(after);
      assertThat(after)
          .isEqualTo(
              edit(before).state(CANCELLED).finalizedAt(at(5)).errors(after.errors()).build());
      assertCancelReason(after.errors(), at(5), "not needed");
      assertThat(fetch(QUEUE, 10)).isEmpty();
    }

    @Test
    void cancelMakesAScheduledJobFinalAndItIsNeverStaged() {
      long id = insertOne(job().scheduledAt(at(60)));
      clock.set(at(5));

      JobInfo after =
          store.jobCancel(new JobCancelParams(id, now(), "changed plans")).orElseThrow();

      assertThat(after.state()).isEqualTo(CANCELLED);
      assertThat(after.finalizedAt()).isEqualTo(at(5));
      assertCancelReason(after.errors(), at(5), "changed plans");
      clock.set(at(60));
      assertThat(stage().total()).isZero();
      assertThat(fetch(QUEUE, 10)).isEmpty();
      assertThat(get(id)).isEqualTo(after);
    }

    @Test
    void cancelMakesARetryableJobFinalKeepingItsErrors() {
      JobInfo retryable = retryable(job(), at(60));
      clock.set(at(5));

      JobInfo after =
          store.jobCancel(new JobCancelParams(retryable.id(), now(), "give up")).orElseThrow();

      assertThat(after.state()).isEqualTo(CANCELLED);
      assertThat(after.attempt()).isEqualTo(1);
      assertThat(after.finalizedAt()).isEqualTo(at(5));
      assertThat(after.errors()).hasSize(2);
      assertThat(after.errors().get(0)).isEqualTo(retryable.errors().get(0));
      assertCancelReason(after.errors().subList(1, 2), at(5), "give up");
      clock.set(at(60));
      assertThat(stage().total()).isZero();
    }

    @Test
    void cancelOfARunningJobFencesOutItsHolder() {
      JobInfo job = running(job());
      clock.set(at(5));

      JobInfo after =
          store.jobCancel(new JobCancelParams(job.id(), now(), "stop it")).orElseThrow();

      assertThat(after)
          .isEqualTo(
              edit(job)
                  .state(CANCELLED)
                  .finalizedAt(at(5))
                  .noLease()
                  .errors(after.errors())
                  .build());
      assertCancelReason(after.errors(), at(5), "stop it");
      assertThat(heartbeat(OWNER, at(100), ref(job))).containsExactly(job.id());
      assertThat(finish(new JobFinish.Completed(ref(job), at(6)))).isEmpty();
      clock.set(at(1_000));
      assertThat(rescue().count()).isZero();
      assertThat(get(job.id())).isEqualTo(after);
    }

    @Test
    void cancelLeavesAFinalJobAsItIs() {
      JobInfo completed = completed(job());
      JobInfo discarded = discarded(job());
      JobInfo cancelled = cancelled(job());
      clock.set(at(5));

      for (JobInfo job : List.of(completed, discarded, cancelled)) {
        assertThat(store.jobCancel(new JobCancelParams(job.id(), now(), "again"))).contains(job);
        assertThat(get(job.id())).isEqualTo(job);
      }
    }

    @Test
    void cancelOfAnUnknownJobIsEmpty() {
      assertThat(store.jobCancel(new JobCancelParams(42, now(), "none"))).isEmpty();
      assertThat(store.jobList(JobQuery.all())).isEmpty();
    }

    @Test
    void retryOfAJobDiscardedAtItsLastAttemptGivesItOneMore() {
      long id = insertOne(job().maxAttempts(2));
      JobInfo first = fetchOnly(QUEUE, id);
      AttemptError e1 = failure(1, at(1));
      finish(new JobFinish.Failed(ref(first), at(1), e1, at(1)));
      clock.set(at(1));
      stage();
      JobInfo second = fetchOnly(QUEUE, id);
      AttemptError e2 = failure(2, at(2));
      finish(new JobFinish.Failed(ref(second), at(2), e2, null));
      JobInfo discarded = get(id);
      assertThat(discarded.state()).isEqualTo(DISCARDED);
      clock.set(at(100));

      JobInfo retried = store.jobRetry(new JobRetryParams(id, now())).orElseThrow();

      assertThat(retried)
          .isEqualTo(
              edit(discarded)
                  .state(AVAILABLE)
                  .scheduledAt(at(100))
                  .finalizedAt(null)
                  .maxAttempts(3)
                  .build());
      assertThat(retried.attempt()).isEqualTo(2);
      assertThat(retried.errors()).containsExactly(e1, e2);
      assertThat(get(id)).isEqualTo(retried);
      JobInfo third = fetchOnly(QUEUE, id);
      assertThat(third.attempt()).isEqualTo(3);
      assertThat(third.maxAttempts()).isEqualTo(3);
    }

    @Test
    void retryOfAJobDiscardedWithAttemptsLeftKeepsItsMaxAttempts() {
      JobInfo discarded = discarded(job().maxAttempts(5));
      clock.set(at(100));

      JobInfo retried = store.jobRetry(new JobRetryParams(discarded.id(), now())).orElseThrow();

      assertThat(retried)
          .isEqualTo(
              edit(discarded).state(AVAILABLE).scheduledAt(at(100)).finalizedAt(null).build());
      assertThat(retried.maxAttempts()).isEqualTo(5);
    }

    @Test
    void retryOfACancelledJobMakesItAvailable() {
      JobInfo cancelled = cancelled(job().maxAttempts(3));
      clock.set(at(100));

      JobInfo retried = store.jobRetry(new JobRetryParams(cancelled.id(), now())).orElseThrow();

      assertThat(retried)
          .isEqualTo(
              edit(cancelled).state(AVAILABLE).scheduledAt(at(100)).finalizedAt(null).build());
      assertThat(fetchOnly(QUEUE, cancelled.id()).attempt()).isEqualTo(1);
    }

    @Test
    void retryOfACompletedJobRunsItAgain() {
      JobInfo completed = completed(job().maxAttempts(3));
      JobInfo completedAtLast = completed(job().maxAttempts(1).queue("last"));
      clock.set(at(100));

      JobInfo retried = store.jobRetry(new JobRetryParams(completed.id(), now())).orElseThrow();
      JobInfo retriedLast =
          store.jobRetry(new JobRetryParams(completedAtLast.id(), now())).orElseThrow();

      assertThat(retried)
          .isEqualTo(
              edit(completed).state(AVAILABLE).scheduledAt(at(100)).finalizedAt(null).build());
      assertThat(retriedLast)
          .isEqualTo(
              edit(completedAtLast)
                  .state(AVAILABLE)
                  .scheduledAt(at(100))
                  .finalizedAt(null)
                  .maxAttempts(2)
                  .build());
      assertThat(fetchOnly(QUEUE, completed.id()).attempt()).isEqualTo(2);
    }

    @Test
    void retryOfAWaitingJobRunsItNow() {
      JobInfo retryable = retryable(job().queue("r"), at(600));
      long scheduled = insertOne(job().queue("s").scheduledAt(at(600)));
      JobInfo scheduledBefore = get(scheduled);
      clock.set(at(10));

      JobInfo retriedRetryable =
          store.jobRetry(new JobRetryParams(retryable.id(), now())).orElseThrow();
      JobInfo retriedScheduled = store.jobRetry(new JobRetryParams(scheduled, now())).orElseThrow();

      assertThat(retriedRetryable)
          .isEqualTo(edit(retryable).state(AVAILABLE).scheduledAt(at(10)).build());
      assertThat(retriedScheduled)
          .isEqualTo(edit(scheduledBefore).state(AVAILABLE).scheduledAt(at(10)).build());
      assertThat(ids(fetch("r", 10))).containsExactly(retryable.id());
      assertThat(ids(fetch("s", 10))).containsExactly(scheduled);
    }

    @Test
    void retryLeavesARunningJobAsItIs() {
      JobInfo job = running(job());

      assertThat(store.jobRetry(new JobRetryParams(job.id(), at(5)))).contains(job);

      assertThat(get(job.id())).isEqualTo(job);
      assertThat(finish(new JobFinish.Completed(ref(job), at(6)))).containsExactly(job.id());
    }

    @Test
    void retryOfAnUnknownJobIsEmpty() {
      assertThat(store.jobRetry(new JobRetryParams(42, now()))).isEmpty();
      assertThat(store.jobList(JobQuery.all())).isEmpty();
    }

    @Test
    void deleteRemovesAJobThatIsNotRunning() {
      long available = insertOne(job());
      long scheduled = insertOne(job().scheduledAt(at(60)));
      long completed = completed(job().queue("done")).id();
      long kept = insertOne(job().queue("kept"));

      assertThat(delete(available)).isTrue();
      assertThat(delete(scheduled)).isTrue();
      assertThat(delete(completed)).isTrue();

      assertThat(store.jobGet(available)).isEmpty();
      assertThat(store.jobGet(scheduled)).isEmpty();
      assertThat(store.jobGet(completed)).isEmpty();
      assertThat(ids(store.jobList(JobQuery.all()))).containsExactly(kept);
      assertThat(fetch(QUEUE, 10)).isEmpty();
      clock.set(at(60));
      assertThat(stage().total()).isZero();
      assertThat(delete(available)).as("already gone").isFalse();
    }

    @Test
    void deleteRefusesARunningJob() {
      JobInfo job = running(job());

      assertThat(delete(job.id())).isFalse();

      assertThat(get(job.id())).isEqualTo(job);
      assertThat(finish(new JobFinish.Completed(ref(job), at(1)))).containsExactly(job.id());
    }

    @Test
    void deleteOfAnUnknownJobIsFalse() {
      assertThat(delete(42)).isFalse();
    }
  }

  // ---------------------------------------------------------------------------------------------
  // Queues

  @Nested
  class Queues {

    @Test
    void anEmptyStoreHasNoQueues() {
      assertThat(store.queueList()).isEmpty();
    }

    @Test
    void listsEveryQueueByNameWithItsCountPerState() {
      insertOne(job().queue("b"));
      insertOne(job().queue("a").priority(5));
      insertOne(job().queue("a").priority(5));
      insertOne(job().queue("a").scheduledAt(at(60)));
      running(job().queue("a"));
      retryable(job().queue("a"), at(60));
      completed(job().queue("a"));
      discarded(job().queue("a"));
      cancelled(job().queue("a"));

      assertThat(store.queueList())
          .containsExactly(
              new QueueInfo(
                  "a",
                  false,
                  Map.of(
                      AVAILABLE, 2L,
                      SCHEDULED, 1L,
                      RUNNING, 1L,
                      RETRYABLE, 1L,
                      COMPLETED, 1L,
                      DISCARDED, 1L,
                      CANCELLED, 1L)),
              new QueueInfo("b", false, Map.of(AVAILABLE, 1L)));
    }

    @Test
    void pauseAndResumeShowInTheList() {
      insertOne(job().queue("a"));
      insertOne(job().queue("b"));

      store.queuePause("a");
      assertThat(store.queueList())
          .containsExactly(
              new QueueInfo("a", true, Map.of(AVAILABLE, 1L)),
              new QueueInfo("b", false, Map.of(AVAILABLE, 1L)));

      store.queueResume("a");
      assertThat(store.queueList())
          .containsExactly(
              new QueueInfo("a", false, Map.of(AVAILABLE, 1L)),
              new QueueInfo("b", false, Map.of(AVAILABLE, 1L)));
    }

    @Test
    void aPausedQueueWithoutJobsIsListedUntilResumed() {
      store.queuePause("idle");

      assertThat(store.queueList()).containsExactly(new QueueInfo("idle", true, Map.of()));

      store.queueResume("idle");

      assertThat(store.queueList()).isEmpty();
    }

    @Test
    void aQueueHoldingOnlyFinalJobsIsListedUntilTheyAreGone() {
      JobInfo done = completed(job().queue("a"));

      assertThat(store.queueList())
          .containsExactly(new QueueInfo("a", false, Map.of(COMPLETED, 1L)));

      assertThat(delete(done.id())).isTrue();
      assertThat(store.queueList()).isEmpty();
    }

    @Test
    void countsFollowTheJobsThroughTheirLife() {
      long id = insertOne(job().scheduledAt(at(10)));
      assertThat(counts(QUEUE)).isEqualTo(Map.of(SCHEDULED, 1L));
      clock.set(at(10));
      stage();
      assertThat(counts(QUEUE)).isEqualTo(Map.of(AVAILABLE, 1L));
      JobInfo job = fetchOnly(QUEUE, id);
      assertThat(counts(QUEUE)).isEqualTo(Map.of(RUNNING, 1L));
      finish(new JobFinish.Completed(ref(job), now()));
      assertThat(counts(QUEUE)).isEqualTo(Map.of(COMPLETED, 1L));
      assertThat(prune(at(11), at(11), at(11), 10)).isEqualTo(1);
      assertThat(store.queueList()).isEmpty();
    }

    @Test
    void pausingAPausedQueueAndResumingARunningOneAreHarmless() {
      insertOne(job().queue("a"));
      store.queueResume("a");
      store.queuePause("a");
      store.queuePause("a");

      assertThat(store.queueList())
          .containsExactly(new QueueInfo("a", true, Map.of(AVAILABLE, 1L)));
      assertThat(fetch("a", 10)).isEmpty();
    }

    @Test
    void aQueuePausedAheadOfItsJobsHoldsThemUntilResumed() {
      store.queuePause("early");
      assertThat(store.queueList()).containsExactly(new QueueInfo("early", true, Map.of()));

      long id = insertOne(job().queue("early"));
      assertThat(fetch("early", 10)).isEmpty();
      assertThat(store.queueList())
          .containsExactly(new QueueInfo("early", true, Map.of(AVAILABLE, 1L)));

      store.queueResume("early");
      assertThat(ids(fetch("early", 10))).containsExactly(id);
    }

    @Test
    void resumingAQueueTheStoreNeverSawChangesNothing() {
      store.queueResume("ghost");
      store.queueResume("ghost");

      assertThat(store.queueList()).isEmpty();
      long id = insertOne(job().queue("ghost"));
      assertThat(store.queueList())
          .containsExactly(new QueueInfo("ghost", false, Map.of(AVAILABLE, 1L)));
      assertThat(ids(fetch("ghost", 10))).as("not paused by the resume").containsExactly(id);
    }

    @Test
    void pausingTwiceAndResumingTwiceAreIdempotent() {
      store.queuePause("idle");
      store.queuePause("idle");
      assertThat(store.queueList()).containsExactly(new QueueInfo("idle", true, Map.of()));

      store.queueResume("idle");
      store.queueResume("idle");
      assertThat(store.queueList()).isEmpty();

      store.queuePause("idle");
      assertThat(store.queueList()).containsExactly(new QueueInfo("idle", true, Map.of()));
    }
  }

  // ---------------------------------------------------------------------------------------------
  // Notify

  @Nested
  class Notify {

    private final List<AutoCloseable> subscriptions = new ArrayList<>();
    private Notifier notifier;

    @BeforeEach
    void requireNotify() {
      assumeTrue(
          store.capabilities().contains(Capability.LISTEN_NOTIFY),
          "the store does not declare LISTEN_NOTIFY");
      assertThat(store.notifier()).as("LISTEN_NOTIFY is declared").isPresent();
      notifier = store.notifier().orElseThrow();
    }

    @AfterEach
    void unsubscribe() throws Exception {
      for (AutoCloseable subscription : subscriptions) {
        subscription.close();
      }
    }

    @Test
    void insertingAnAvailableJobWakesTheListenersWithItsQueue() {
      Listener listener = subscribe();

      insertOne(job().queue("mail"));

      await().atMost(WAKE_UP).untilAsserted(() -> assertThat(listener.seen).contains("mail"));
    }

    @Test
    void oneInsertWakesEveryQueueItMadeAvailable() {
      Listener listener = subscribe();

      insert(job().queue("mail"), job().queue("sms"), job().queue("mail"));

      await()
          .atMost(WAKE_UP)
          .untilAsserted(() -> assertThat(listener.seen).contains("mail", "sms"));
    }

    @Test
    void stagingWakesTheStagedQueues() {
      insertOne(job().queue("later").scheduledAt(at(60)));
      Listener listener = subscribe();
      clock.set(at(60));

      assertThat(stage().stagedByQueue()).isEqualTo(Map.of("later", 1));

      await().atMost(WAKE_UP).untilAsserted(() -> assertThat(listener.seen).contains("later"));
    }

    @Test
    void resumingWakesTheQueue() {
      store.queuePause("paused");
      insertOne(job().queue("paused"));
      Listener listener = subscribe();

      store.queueResume("paused");

      await().atMost(WAKE_UP).untilAsserted(() -> assertThat(listener.seen).contains("paused"));
    }

    @Test
    void everySubscriberIsWokenAndAClosedOneIsNot() throws Exception {
      Listener closed = subscribe();
      Listener open = subscribe();
      closed.subscription.close();

      insertOne(job().queue("mail"));

      // The open listener's wake-up shows the delivery happened; the closed one must have none.
      await().atMost(WAKE_UP).untilAsserted(() -> assertThat(open.seen).contains("mail"));
      assertThat(closed.seen).doesNotContain("mail");
    }

    private Listener subscribe() {
      Listener listener = new Listener();
      listener.subscription = notifier.subscribe(listener);
      subscriptions.add(listener.subscription);
      return listener;
    }
  }

  // ---------------------------------------------------------------------------------------------
  // Concurrency

  @Nested
  class Concurrency {

    @Test
    void competingFetchersNeverReceiveTheSameJob() throws Exception {
      List<NewJob> jobs = new ArrayList<>();
      for (int i = 0; i < 5_000; i++) {
        jobs.add(job().priority(i % 3).build(now()));
      }
      List<Long> inserted = ids(store.jobInsertMany(new JobInsertManyParams(jobs, now())));

      List<List<JobInfo>> byThread =
          concurrently(
              8,
              thread -> {
                List<JobInfo> claimed = new ArrayList<>();
                while (true) {
                  List<JobInfo> batch = fetchAs("node-" + thread, QUEUE, 7);
                  if (batch.isEmpty()) {
                    return claimed;
                  }
                  assertThat(batch.size()).isLessThanOrEqualTo(7);
                  claimed.addAll(batch);
                }
              });

      List<Long> claimed = new ArrayList<>();
      for (int thread = 0; thread < byThread.size(); thread++) {
        for (JobInfo job : byThread.get(thread)) {
          claimed.add(job.id());
          assertThat(job.state()).isEqualTo(RUNNING);
          assertThat(job.attempt()).isEqualTo(1);
          assertThat(job.leaseOwner()).isEqualTo("node-" + thread);
          assertThat(get(job.id()).leaseOwner()).isEqualTo("node-" + thread);
        }
      }
      assertThat(claimed).doesNotHaveDuplicates();
      assertThat(claimed).containsExactlyInAnyOrderElementsOf(inserted);
      assertThat(counts(QUEUE)).isEqualTo(Map.of(RUNNING, 5_000L));
    }

    @Test
    void concurrentInsertsGetUniqueIncreasingIds() throws Exception {
      List<List<Long>> byThread =
          concurrently(
              8,
              thread -> {
                List<Long> mine = new ArrayList<>();
                for (int call = 0; call < 25; call++) {
                  JobSpec[] specs = new JobSpec[10];
                  Arrays.fill(specs, job().kind("t" + thread));
                  List<Long> batch = ids(insert(specs));
                  assertStrictlyIncreasing(batch);
                  mine.addAll(batch);
                }
                return mine;
              });

      List<Long> all = byThread.stream().flatMap(List::stream).toList();
      assertThat(all).hasSize(2_000).doesNotHaveDuplicates();
      assertThat(byThread).allSatisfy(StoreContract::assertStrictlyIncreasing);
      assertThat(ids(listAll(JobQuery.all())))
          .containsExactlyElementsOf(all.stream().sorted().toList());
      for (int thread = 0; thread < 8; thread++) {
        assertThat(ids(listAll(JobQuery.all().withKind("t" + thread))))
            .containsExactlyElementsOf(byThread.get(thread));
      }
      assertThat(counts(QUEUE)).isEqualTo(Map.of(AVAILABLE, 2_000L));
    }

    @Test
    void producersAndConsumersRunEveryJobExactlyOnce() throws Exception {
      int producers = 4;
      CountDownLatch produced = new CountDownLatch(producers);
      Map<Long, Integer> completions = new ConcurrentHashMap<>();
      List<List<Long>> byThread =
          concurrently(
              8,
              thread -> {
                List<Long> mine = new ArrayList<>();
                if (thread < producers) {
                  try {
                    for (int call = 0; call < 50; call++) {
                      mine.addAll(ids(insert(job(), job(), job(), job(), job())));
                    }
                  } finally {
                    produced.countDown();
                  }
                  return mine;
                }
                while (true) {
                  boolean done = produced.getCount() == 0;
                  List<JobInfo> batch = fetchAs("node-" + thread, QUEUE, 10);
                  if (batch.isEmpty()) {
                    if (done) {
                      return mine;
                    }
                    Thread.yield();
                    continue;
                  }
                  Set<Long> applied =
                      finish(
                          batch.stream()
                              .map(j -> (JobFinish) new JobFinish.Completed(ref(j), now()))
                              .toArray(JobFinish[]::new));
                  assertThat(applied).containsExactlyInAnyOrderElementsOf(ids(batch));
                  applied.forEach(id -> completions.merge(id, 1, Integer::sum));
                }
              });

      List<Long> inserted = byThread.subList(0, producers).stream().flatMap(List::stream).toList();
      assertThat(inserted).hasSize(1_000).doesNotHaveDuplicates();
      assertThat(completions.keySet()).containsExactlyInAnyOrderElementsOf(inserted);
      assertThat(completions.values()).containsOnly(1);
      assertThat(counts(QUEUE)).isEqualTo(Map.of(COMPLETED, 1_000L));
    }

    @Test
    void cancelRacingCompletionHasExactlyOneWinner() throws Exception {
      List<JobInfo> jobs = runningJobs(300);
      // Both threads meet before each job, so that every job is contended.
      CyclicBarrier meet = new CyclicBarrier(2);

      List<Set<Long>> results =
          concurrently(
              2,
              thread -> {
                Set<Long> won = new HashSet<>();
                for (JobInfo job : jobs) {
                  meet.await(PATIENCE.toSeconds(), SECONDS);
                  if (thread == 0) {
                    won.addAll(finish(new JobFinish.Completed(ref(job), at(1))));
                  } else {
                    JobInfo after =
                        store.jobCancel(new JobCancelParams(job.id(), at(1), "race")).orElseThrow();
                    if (after.state() == CANCELLED) {
                      won.add(job.id());
                    }
                  }
                }
                return won;
              });

      Set<Long> completed = results.get(0);
      Set<Long> cancelled = results.get(1);
      assertThat(intersection(completed, cancelled)).isEmpty();
      assertThat(completed.size() + cancelled.size()).isEqualTo(jobs.size());
      for (JobInfo job : jobs) {
        JobInfo after = get(job.id());
        assertThat(after.state()).isEqualTo(completed.contains(job.id()) ? COMPLETED : CANCELLED);
        assertThat(after.errors()).hasSize(completed.contains(job.id()) ? 0 : 1);
      }
    }

    @Test
    void rescueRacingCompletionHasExactlyOneWinner() throws Exception {
      List<JobInfo> jobs = runningJobs(300);
      Instant late = at(1_000);
      CyclicBarrier meet = new CyclicBarrier(2);

      List<Set<Long>> results =
          concurrently(
              2,
              thread -> {
                Set<Long> won = new HashSet<>();
                for (JobInfo job : jobs) {
                  meet.await(PATIENCE.toSeconds(), SECONDS);
                  if (thread == 0) {
                    won.addAll(finish(new JobFinish.Completed(ref(job), late)));
                  } else {
                    JobRescueResult rescued = store.jobRescueExpired(new JobRescueParams(late, 1));
                    assertThat(rescued.discarded()).isEmpty();
                    won.addAll(rescued.retryable());
                  }
                }
                if (thread == 1) {
                  JobRescueResult rest = rescue();
                  assertThat(rest.discarded()).isEmpty();
                  won.addAll(rest.retryable());
                }
                return won;
              });

      Set<Long> completed = results.get(0);
      Set<Long> rescued = results.get(1);
      assertThat(intersection(completed, rescued)).isEmpty();
      assertThat(completed.size() + rescued.size()).isEqualTo(jobs.size());
      for (JobInfo job : jobs) {
        JobInfo after = get(job.id());
        assertThat(after.state()).isEqualTo(completed.contains(job.id()) ? COMPLETED : RETRYABLE);
        assertThat(after.errors()).hasSize(completed.contains(job.id()) ? 0 : 1);
      }
    }

    private List<JobInfo> runningJobs(int count) {
      JobSpec[] specs = new JobSpec[count];
      Arrays.fill(specs, job());
      List<JobInfo> jobs = fetch(QUEUE, count, insert(specs));
      assertThat(jobs).hasSize(count);
      return jobs;
    }
  }

  // ---------------------------------------------------------------------------------------------
  // Bulk

  @Nested
  class Bulk {

    @Test
    void tenThousandJobsInOneInsert() {
      int count = 10_000;
      List<NewJob> jobs = new ArrayList<>(count);
      for (int i = 0; i < count; i++) {
        jobs.add(job().args("{\"n\": " + i + "}").build(now()));
      }

      List<Enqueued> result = store.jobInsertMany(new JobInsertManyParams(jobs, now()));

      assertThat(result).hasSize(count);
      assertThat(result).extracting(Enqueued::state).containsOnly(AVAILABLE);
      List<Long> ids = ids(result);
      assertStrictlyIncreasing(ids);
      List<JobInfo> listed = listAll(JobQuery.all());
      assertThat(ids(listed)).containsExactlyElementsOf(ids);
      for (int i = 0; i < count; i += 997) {
        assertThat(listed.get(i).argsJson()).isEqualTo("{\"n\": " + i + "}");
      }
      assertThat(counts(QUEUE)).isEqualTo(Map.of(AVAILABLE, (long) count));

      List<Long> fetched = new ArrayList<>();
      List<JobInfo> batch;
      while (!(batch = fetch(QUEUE, 1_000)).isEmpty()) {
        fetched.addAll(ids(batch));
      }
      assertThat(fetched).as("same priority and time: id order").containsExactlyElementsOf(ids);
      assertThat(counts(QUEUE)).isEqualTo(Map.of(RUNNING, (long) count));
    }

    @Test
    void tenThousandMixedJobsAreCountedPerQueueAndState() {
      int count = 10_000;
      List<NewJob> jobs = new ArrayList<>(count);
      for (int i = 0; i < count; i++) {
        jobs.add(job().queue("q" + (i % 4)).scheduledAt(i % 2 == 0 ? T0 : at(60)).build(now()));
      }

      List<Enqueued> result = store.jobInsertMany(new JobInsertManyParams(jobs, now()));

      for (int i = 0; i < count; i++) {
        assertThat(result.get(i).state()).isEqualTo(i % 2 == 0 ? AVAILABLE : SCHEDULED);
      }
      assertThat(store.queueList())
          .containsExactly(
              new QueueInfo("q0", false, Map.of(AVAILABLE, 2_500L)),
              new QueueInfo("q1", false, Map.of(SCHEDULED, 2_500L)),
              new QueueInfo("q2", false, Map.of(AVAILABLE, 2_500L)),
              new QueueInfo("q3", false, Map.of(SCHEDULED, 2_500L)));
      clock.set(at(60));
      assertThat(stage().stagedByQueue()).isEqualTo(Map.of("q1", 2_500, "q3", 2_500));
    }
  }

  // ---------------------------------------------------------------------------------------------
  // Follow-up jobs written with their parent's completion

  @Nested
  class FollowUps {
    @Test
    void anAppliedCompletionInsertsItsFollowUpsAtomically() {
      JobInfo parent = running(job());
      clock.set(at(5));

      Set<Long> applied =
          finish(
              new JobFinish.Completed(
                  ref(parent),
                  now(),
                  List.of(
                      job().kind("child").build(now()),
                      job().kind("child").queue("b").build(now()))));

      assertThat(applied).containsExactly(parent.id());
      List<JobInfo> children = listAll(JobQuery.all().withKind("child"));
      assertThat(children).hasSize(2);
      assertThat(children)
          .allSatisfy(
              c -> {
                assertThat(c.state()).isEqualTo(AVAILABLE);
                assertThat(c.createdAt()).isEqualTo(at(5));
                assertThat(c.id()).isGreaterThan(parent.id());
              });
      assertThat(children).extracting(JobInfo::queue).containsExactly(QUEUE, "b");
      assertThat(get(parent.id()).state()).isEqualTo(COMPLETED);
    }

    @Test
    void aFencedOutCompletionInsertsNothing() {
      JobInfo parent = running(job());
      store.jobCancel(new JobCancelParams(parent.id(), now(), "stop"));

      Set<Long> applied =
          finish(
              new JobFinish.Completed(
                  ref(parent), now(), List.of(job().kind("child").build(now()))));

      assertThat(applied).isEmpty();
      assertThat(listAll(JobQuery.all().withKind("child"))).isEmpty();
    }

    @Test
    void followUpsMayBeScheduled() {
      JobInfo parent = running(job());

      finish(
          new JobFinish.Completed(
              ref(parent), now(), List.of(job().kind("child").scheduledAt(at(60)).build(now()))));

      assertThat(listAll(JobQuery.all().withKind("child")))
          .singleElement()
          .satisfies(c -> assertThat(c.state()).isEqualTo(SCHEDULED));
    }
  }

  // ---------------------------------------------------------------------------------------------
  // Enqueue inside the caller's transaction

  @Nested
  class TransactionalEnqueue {
    @BeforeEach
    void requireTxEnqueue() {
      assumeTrue(
          store.capabilities().contains(Capability.TX_ENQUEUE),
          "the store does not declare TX_ENQUEUE");
    }

    @Test
    void aRolledBackTransactionLeavesNoJob() throws Exception {
      try (Connection c = openConnection()) {
        c.setAutoCommit(false);
        List<Enqueued> inserted =
            store.jobInsertMany(c, new JobInsertManyParams(List.of(job().build(now())), now()));
        assertThat(inserted).hasSize(1);
        c.rollback();
      }

      assertThat(store.jobList(JobQuery.all())).isEmpty();
      assertThat(fetch(QUEUE, 10)).isEmpty();
    }

    @Test
    void jobsAreInvisibleUntilCommitThenRunnableAndAnnounced() throws Exception {
      Listener listener = new Listener();
      Optional<Notifier> notifier = store.notifier();
      notifier.ifPresent(n -> listener.subscription = n.subscribe(listener));
      try (Connection c = openConnection()) {
        c.setAutoCommit(false);
        long id =
            store
                .jobInsertMany(
                    c, new JobInsertManyParams(List.of(job().queue("tx").build(now())), now()))
                .get(0)
                .id();
        assertThat(store.jobGet(id)).as("visible before commit").isEmpty();

        c.commit();

        assertThat(get(id).state()).isEqualTo(AVAILABLE);
        assertThat(fetch("tx", 10)).extracting(JobInfo::id).containsExactly(id);
      }
      if (notifier.isPresent()) {
        await().atMost(WAKE_UP).untilAsserted(() -> assertThat(listener.seen).contains("tx"));
        listener.subscription.close();
      }
    }
  }

  // ---------------------------------------------------------------------------------------------
  // Uniqueness

  @Nested
  class Uniqueness {
    /** The states a unique job holds its key in unless told otherwise: waiting and running. */
    private static final JobState[] LIVE = {SCHEDULED, AVAILABLE, RUNNING, RETRYABLE};

    @BeforeEach
    void requireUniqueJobs() {
      assumeTrue(
          store.capabilities().contains(Capability.UNIQUE_JOBS),
          "the store does not declare UNIQUE_JOBS");
    }

    @Test
    void aJobWhoseKeyIsHeldIsNotStoredAndAnswersTheHoldersId() {
      Enqueued first = insert(job().unique(key(1), LIVE)).get(0);
      clock.advance(Duration.ofSeconds(1));

      Enqueued second = insert(job().args("{\"other\":1}").unique(key(1), LIVE)).get(0);

      assertThat(first.duplicate()).isFalse();
      assertThat(second).isEqualTo(new Enqueued(first.id(), AVAILABLE, true));
      assertThat(listAll(JobQuery.all())).extracting(JobInfo::id).containsExactly(first.id());
      assertThat(get(first.id()).argsJson()).isEqualTo("{}");
    }

    @Test
    void jobsWithOtherKeysOrNoKeyAreStored() {
      List<Enqueued> inserted =
          insert(job().unique(key(1), LIVE), job().unique(key(2), LIVE), job(), job());

      assertThat(inserted).extracting(Enqueued::duplicate).containsOnly(false);
      assertThat(ids(inserted)).doesNotHaveDuplicates();
      assertThat(listAll(JobQuery.all())).hasSize(4);
    }

    @Test
    void aDuplicateAnswersTheHoldersCurrentState() {
      JobInfo runningJob = running(job().unique(key(1), LIVE));
      Enqueued scheduled = insert(job().scheduledAt(at(60)).unique(key(2), LIVE)).get(0);

      assertThat(insert(job().unique(key(1), LIVE), job().unique(key(2), LIVE)))
          .containsExactly(
              new Enqueued(runningJob.id(), RUNNING, true),
              new Enqueued(scheduled.id(), SCHEDULED, true));
    }

    @Test
    void withinOneBatchARepeatedKeyIsADuplicateOfItsFirstOccurrence() {
      List<Enqueued> inserted =
          insert(
              job().unique(key(1), LIVE),
              job(),
              job().args("{\"n\":2}").unique(key(1), LIVE),
              job().scheduledAt(at(60)).unique(key(2), LIVE),
              job().unique(key(2), LIVE));

      assertThat(inserted.get(0).duplicate()).isFalse();
      assertThat(inserted.get(1).duplicate()).isFalse();
      assertThat(inserted.get(2)).isEqualTo(new Enqueued(inserted.get(0).id(), AVAILABLE, true));
      assertThat(inserted.get(3)).isEqualTo(new Enqueued(inserted.get(3).id(), SCHEDULED, false));
      assertThat(inserted.get(4)).isEqualTo(new Enqueued(inserted.get(3).id(), SCHEDULED, true));
      assertThat(listAll(JobQuery.all()))
          .extracting(JobInfo::id)
          .containsExactlyInAnyOrder(
              inserted.get(0).id(), inserted.get(1).id(), inserted.get(3).id());
      assertThat(get(inserted.get(0).id()).argsJson()).isEqualTo("{}");
    }

    @Test
    void aJobHoldsItsKeyThroughEveryLiveState() {
      JobInfo job = retryable(job().unique(key(1), LIVE), at(60));

      assertThat(insert(job().unique(key(1), LIVE)).get(0))
          .isEqualTo(new Enqueued(job.id(), RETRYABLE, true));
    }

    @Test
    void aJobThatLeftItsUniqueStatesFreesItsKey() {
      JobInfo done = completed(job().unique(key(1), LIVE));
      JobInfo failed = discarded(job().unique(key(2), LIVE));
      JobInfo dropped = cancelled(job().unique(key(3), LIVE));

      List<Enqueued> again =
          insert(
              job().unique(key(1), LIVE), job().unique(key(2), LIVE), job().unique(key(3), LIVE));

      assertThat(again).extracting(Enqueued::duplicate).containsOnly(false);
      assertThat(ids(again)).doesNotContain(done.id(), failed.id(), dropped.id());
      assertThat(listAll(JobQuery.all())).hasSize(6);
    }

    @Test
    void aFinalStateInItsUniqueStatesKeepsTheKeyHeld() {
      JobState[] liveAndCompleted = {SCHEDULED, AVAILABLE, RUNNING, RETRYABLE, COMPLETED};
      JobInfo done = completed(job().unique(key(1), liveAndCompleted));
      JobInfo failed = discarded(job().unique(key(2), liveAndCompleted));

      assertThat(insert(job().unique(key(1), LIVE), job().unique(key(2), LIVE)))
          .containsExactly(
              new Enqueued(done.id(), COMPLETED, true),
              new Enqueued(insertedAfter(failed.id()), AVAILABLE, false));
    }

    @Test
    void theHoldersOwnStatesDecideNotTheNewcomers() {
      JobInfo done = completed(job().unique(key(1), LIVE));

      Enqueued newcomer =
          insert(job().unique(key(1), SCHEDULED, AVAILABLE, RUNNING, RETRYABLE, COMPLETED)).get(0);

      assertThat(newcomer.duplicate()).isFalse();
      assertThat(newcomer.id()).isNotEqualTo(done.id());
    }

    @Test
    void pruningAHolderFreesItsKey() {
      JobInfo done =
          completed(job().unique(key(1), SCHEDULED, AVAILABLE, RUNNING, RETRYABLE, COMPLETED));
      clock.advance(Duration.ofHours(1));
      assertThat(prune(now(), now(), now(), 100)).isEqualTo(1);

      Enqueued again = insert(job().unique(key(1), LIVE)).get(0);

      assertThat(again.duplicate()).isFalse();
      assertThat(again.id()).isNotEqualTo(done.id());
    }

    @Test
    void retryingAJobWhoseKeyAnotherHoldsFailsAndChangesNothing() {
      JobInfo failed = discarded(job().unique(key(1), LIVE));
      long successor = insertOne(job().unique(key(1), LIVE));

      assertThatThrownBy(() -> store.jobRetry(new JobRetryParams(failed.id(), now())))
          .isInstanceOfSatisfying(
              DuplicateJobException.class,
              e -> {
                assertThat(e.jobId()).isEqualTo(failed.id());
                assertThat(e.holderId()).isEqualTo(successor);
              })
          .hasMessageContaining("job " + failed.id())
          .hasMessageContaining("unique job " + successor);
      assertThat(get(failed.id())).isEqualTo(failed);
      assertThat(get(successor).state()).isEqualTo(AVAILABLE);
    }

    @Test
    void retryingAJobWhoseKeyIsFreeTakesTheKeyBack() {
      JobInfo failed = discarded(job().unique(key(1), LIVE));

      assertThat(store.jobRetry(new JobRetryParams(failed.id(), now())).orElseThrow().state())
          .isEqualTo(AVAILABLE);

      assertThat(insert(job().unique(key(1), LIVE)).get(0))
          .isEqualTo(new Enqueued(failed.id(), AVAILABLE, true));
    }

    @Test
    void aFollowUpWhoseKeyIsHeldIsNotStoredTwice() {
      long holder = insertOne(job().kind("next").queue("other").unique(key(9), LIVE));
      JobInfo parent = running(job());

      finish(
          new JobFinish.Completed(
              ref(parent),
              now(),
              List.of(
                  job().kind("next").queue("other").unique(key(9), LIVE).build(now()),
                  job().kind("next").queue("other").unique(key(8), LIVE).build(now()))));

      assertThat(listAll(JobQuery.all().withKind("next")))
          .extracting(JobInfo::id)
          .hasSize(2)
          .contains(holder);
    }

    @Test
    void aFollowUpWithItsParentsKeyMeetsTheParentInItsFinalState() {
      JobState[] liveAndCompleted = {SCHEDULED, AVAILABLE, RUNNING, RETRYABLE, COMPLETED};
      JobInfo freesKey = running(job().kind("a").unique(key(1), LIVE));
      JobInfo keepsKey = running(job().kind("b").unique(key(2), liveAndCompleted));

      finish(
          new JobFinish.Completed(
              ref(freesKey), now(), List.of(job().kind("a").unique(key(1), LIVE).build(now()))),
          new JobFinish.Completed(
              ref(keepsKey), now(), List.of(job().kind("b").unique(key(2), LIVE).build(now()))));

      assertThat(listAll(JobQuery.all().withKind("a")))
          .extracting(JobInfo::state)
          .containsExactly(COMPLETED, AVAILABLE);
      assertThat(listAll(JobQuery.all().withKind("b")))
          .extracting(JobInfo::state)
          .containsExactly(COMPLETED);
    }

    @Test
    void concurrentInsertsOfTheSameKeysStoreOneJobPerKeyAndAnswerItsId() throws Exception {
      record Answer(int key, Enqueued enqueued) {}
      int keys = 40;
      List<List<Answer>> byThread =
          concurrently(
              8,
              thread -> {
                List<Answer> mine = new ArrayList<>();
                for (int call = 0; call < 5; call++) {
                  // Each thread and call walks the keys in its own order, in batches of 8.
                  List<Integer> order = new ArrayList<>(IntStream.range(0, keys).boxed().toList());
                  Collections.shuffle(order, new Random(thread * 31L + call));
                  for (int from = 0; from < keys; from += 8) {
                    List<Integer> batch = order.subList(from, from + 8);
                    List<Enqueued> answers =
                        insert(
                            batch.stream()
                                .map(k -> job().args("{\"k\":" + k + "}").unique(key(k), LIVE))
                                .toArray(JobSpec[]::new));
                    for (int b = 0; b < batch.size(); b++) {
                      mine.add(new Answer(batch.get(b), answers.get(b)));
                    }
                  }
                }
                return mine;
              });

      Map<Integer, Long> idByKey = new HashMap<>();
      for (JobInfo job : listAll(JobQuery.all())) {
        int k = Integer.parseInt(job.argsJson().replaceAll("\\D", ""));
        assertThat(idByKey.put(k, job.id())).as("jobs stored for key %d", k).isNull();
      }
      assertThat(idByKey).hasSize(keys);
      int stored = 0;
      for (List<Answer> answers : byThread) {
        for (Answer answer : answers) {
          assertThat(answer.enqueued().id())
              .as("answer for key %d", answer.key())
              .isEqualTo(idByKey.get(answer.key()));
          stored += answer.enqueued().duplicate() ? 0 : 1;
        }
      }
      assertThat(stored).as("answers that stored a job").isEqualTo(keys);
    }

    /** The id of the job stored next after {@code id} (ids increase across calls). */
    private long insertedAfter(long id) {
      return listAll(JobQuery.all()).stream()
          .mapToLong(JobInfo::id)
          .filter(i -> i > id)
          .min()
          .orElseThrow();
    }
  }

  @Nested
  class TransactionalUniqueness {
    private final JobState[] live = {SCHEDULED, AVAILABLE, RUNNING, RETRYABLE};

    @BeforeEach
    void requireTxEnqueueAndUniqueJobs() {
      assumeTrue(
          store.capabilities().contains(Capability.TX_ENQUEUE)
              && store.capabilities().contains(Capability.UNIQUE_JOBS),
          "the store does not declare both TX_ENQUEUE and UNIQUE_JOBS");
    }

    @Test
    void aKeyInsertedInAnOpenTransactionMakesOthersWaitThenAnswersItsId() throws Exception {
      ExecutorService other = Executors.newSingleThreadExecutor();
      try (Connection c = openConnection()) {
        c.setAutoCommit(false);
        Enqueued mine =
            store
                .jobInsertMany(
                    c,
                    new JobInsertManyParams(
                        List.of(job().unique(key(1), live).build(now())), now()))
                .get(0);
        assertThat(
                store
                    .jobInsertMany(
                        c,
                        new JobInsertManyParams(
                            List.of(job().unique(key(1), live).build(now())), now()))
                    .get(0))
            .as("same transaction")
            .isEqualTo(new Enqueued(mine.id(), AVAILABLE, true));
        Future<Enqueued> theirs = other.submit(() -> insert(job().unique(key(1), live)).get(0));

        c.commit();

        assertThat(theirs.get(PATIENCE.toSeconds(), SECONDS))
            .isEqualTo(new Enqueued(mine.id(), AVAILABLE, true));
      } finally {
        other.shutdownNow();
      }
      assertThat(listAll(JobQuery.all())).hasSize(1);
    }

    @Test
    void aRolledBackTransactionLeavesTheKeyFree() throws Exception {
      try (Connection c = openConnection()) {
        c.setAutoCommit(false);
        store.jobInsertMany(
            c, new JobInsertManyParams(List.of(job().unique(key(1), live).build(now())), now()));
        c.rollback();
      }

      Enqueued again = insert(job().unique(key(1), live)).get(0);

      assertThat(again.duplicate()).isFalse();
      assertThat(listAll(JobQuery.all())).extracting(JobInfo::id).containsExactly(again.id());
    }
  }

  // ---------------------------------------------------------------------------------------------
  // Dependencies

  @Nested
  class Dependencies {
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

  // ---------------------------------------------------------------------------------------------
  // Batches

  @Nested
  class Batches {
    @BeforeEach
    void requireDependencies() {
      assumeTrue(
          store.capabilities().contains(Capability.DEPENDENCIES),
          "the store does not declare DEPENDENCIES");
    }

    private List<Enqueued> insertBatch(NewJob callback, JobSpec... members) {
      List<NewJob> jobs = Arrays.stream(members).map(s -> s.build(now())).toList();
      return store.jobInsertBatch(new JobInsertBatchParams(jobs, callback, now()));
    }

    @Test
    void theCallbackBecomesAvailableOnceEveryMemberEndedWithTheirCounts() {
      // The callback asks to be cancelled if a member fails; a batch's callback runs anyway.
      NewJob callback = job().kind("callback").build(now());
      List<Enqueued> inserted = insertBatch(callback, job(), job(), job(), job().queue("later"));

      assertThat(inserted).hasSize(5);
      assertThat(inserted.subList(0, 4))
          .allSatisfy(e -> assertThat(e.state()).isEqualTo(AVAILABLE));
      assertStrictlyIncreasing(ids(inserted));
      long callbackId = inserted.get(4).id();
      assertThat(inserted.get(4).state()).isEqualTo(PENDING);
      assertThat(get(callbackId).kind()).isEqualTo("callback");
      assertThat(get(callbackId).dependencies()).isEqualTo(new DependencyCounts(4, 0, 0, 0));

      List<JobInfo> running = fetch(QUEUE, 10);
      assertThat(running).hasSize(3);
      finish(
          new JobFinish.Completed(ref(running.get(0)), now()),
          new JobFinish.Failed(ref(running.get(1)), now(), failure(1, now()), null),
          new JobFinish.Cancelled(ref(running.get(2)), now(), failure(1, now())));
      assertThat(get(callbackId).state()).isEqualTo(PENDING);
      assertThat(fetch(QUEUE, 10)).isEmpty();

      JobInfo last = fetchOnly("later", inserted.get(3).id());
      finish(new JobFinish.Completed(ref(last), now()));

      JobInfo released = fetchOnly(QUEUE, callbackId);
      assertThat(released.dependencies()).isEqualTo(new DependencyCounts(0, 2, 1, 1));
    }

    @Test
    void aMemberWithAnUnknownDependencyStoresNothing() {
      assertThatThrownBy(() -> insertBatch(job().build(now()), job(), job().dependsOn(424_242)))
          .isInstanceOf(UnknownDependencyException.class)
          .hasMessageContaining("424242");

      assertThat(store.jobList(JobQuery.all())).isEmpty();
    }

    @Test
    void membersFinishedConcurrentlyReleaseExactlyOneCallback() throws Exception {
      int members = 400;
      JobSpec[] specs = new JobSpec[members];
      Arrays.fill(specs, job());
      List<Enqueued> inserted = insertBatch(job().queue("callback").build(now()), specs);
      long callbackId = inserted.get(members).id();

      List<Integer> finishedByThread =
          concurrently(
              4,
              thread -> {
                int finished = 0;
                while (true) {
                  List<JobInfo> jobs = fetchAs("node-" + thread, QUEUE, 3);
                  if (jobs.isEmpty()) {
                    return finished;
                  }
                  finish(
                      jobs.stream()
                          .map(j -> (JobFinish) new JobFinish.Completed(ref(j), now()))
                          .toArray(JobFinish[]::new));
                  finished += jobs.size();
                }
              });

      assertThat(finishedByThread.stream().mapToInt(Integer::intValue).sum()).isEqualTo(members);
      assertThat(get(callbackId).dependencies()).isEqualTo(new DependencyCounts(0, members, 0, 0));
      assertThat(ids(fetch("callback", 10))).containsExactly(callbackId);
    }

    @Test
    void aBatchInsertedInARolledBackTransactionLeavesNothing() throws Exception {
      assumeTrue(
          store.capabilities().contains(Capability.TX_ENQUEUE),
          "the store does not declare TX_ENQUEUE");
      try (Connection c = openConnection()) {
        c.setAutoCommit(false);
        List<Enqueued> inserted =
            store.jobInsertBatch(
                c,
                new JobInsertBatchParams(
                    List.of(job().build(now()), job().build(now())), job().build(now()), now()));
        assertThat(inserted).hasSize(3);
        c.rollback();
      }

      assertThat(store.jobList(JobQuery.all())).isEmpty();
    }
  }

  // ---------------------------------------------------------------------------------------------
  // Leadership

  @Nested
  class Leadership {
    private boolean elect(String owner, Instant now, Duration term) {
      return store.leaderElect(new LeaderElectParams("maintenance", owner, now, now.plus(term)));
    }

    @Test
    void theFirstCandidateLeadsAndOthersAreRefusedUntilItsTermEnds() {
      assertThat(elect(OWNER, at(0), Duration.ofSeconds(15))).isTrue();
      assertThat(elect(OTHER_OWNER, at(5), Duration.ofSeconds(15))).isFalse();
      assertThat(elect(OTHER_OWNER, at(15), Duration.ofSeconds(15)))
          .as("a term ending exactly now has not expired")
          .isFalse();
      assertThat(elect(OTHER_OWNER, at(16), Duration.ofSeconds(15))).isTrue();
      assertThat(elect(OWNER, at(17), Duration.ofSeconds(15)))
          .as("the old leader cannot renew once replaced")
          .isFalse();
    }

    @Test
    void theLeaderRenewsItsTerm() {
      assertThat(elect(OWNER, at(0), Duration.ofSeconds(15))).isTrue();
      assertThat(elect(OWNER, at(10), Duration.ofSeconds(15))).isTrue();
      assertThat(elect(OTHER_OWNER, at(20), Duration.ofSeconds(15)))
          .as("the renewed term runs to 25 s")
          .isFalse();
      assertThat(elect(OTHER_OWNER, at(26), Duration.ofSeconds(15))).isTrue();
    }

    @Test
    void resigningLetsAnotherNodeLeadAtOnceAndOnlyTheLeaderCanResign() {
      assertThat(elect(OWNER, at(0), Duration.ofSeconds(15))).isTrue();
      store.leaderResign(new LeaderResignParams("maintenance", OTHER_OWNER));
      assertThat(elect(OTHER_OWNER, at(1), Duration.ofSeconds(15))).isFalse();

      store.leaderResign(new LeaderResignParams("maintenance", OWNER));

      assertThat(elect(OTHER_OWNER, at(2), Duration.ofSeconds(15))).isTrue();
    }

    @Test
    void leadershipsOfDifferentNamesAreIndependent() {
      assertThat(elect(OWNER, at(0), Duration.ofSeconds(15))).isTrue();
      assertThat(store.leaderElect(new LeaderElectParams("cron", OTHER_OWNER, at(0), at(15))))
          .isTrue();
    }

    @Test
    void amongConcurrentCandidatesExactlyOneWins() throws Exception {
      for (int round = 0; round < 20; round++) {
        Instant now = at(100L * round);
        String name = "race-" + round;
        List<Boolean> wins =
            concurrently(
                8,
                i ->
                    store.leaderElect(
                        new LeaderElectParams(name, "node-" + i, now, now.plusSeconds(15))));
        assertThat(wins.stream().filter(w -> w).count())
            .as("winners of round %d", round)
            .isEqualTo(1);
      }
    }
  }

  // ---------------------------------------------------------------------------------------------
  // Nodes

  @Nested
  class Nodes {
    @BeforeEach
    void requireRegistry() {
      assumeTrue(store.capabilities().contains(Capability.NODE_REGISTRY));
    }

    /** {@code id} reports at {@code now}, working {@code queues}, counting for {@code term}. */
    private void report(
        String id, Map<String, Integer> queues, Set<String> kinds, Instant now, Duration term) {
      store.nodeReport(new NodeReportParams(id, queues, kinds, at(0), now, now.plus(term)));
    }

    private void report(String id, Instant now, Duration term) {
      report(id, Map.of(QUEUE, 10), Set.of("email"), now, term);
    }

    private List<String> live(Instant now) {
      return store.nodeList(new NodeListParams(now)).stream().map(NodeInfo::id).toList();
    }

    @Test
    void aReportIsListedWithEverythingItSaid() {
      store.nodeReport(
          new NodeReportParams(
              OWNER,
              Map.of("default", 20, "import.v2:bulk-1", 2),
              Set.of("email", "resize.image:v2"),
              at(0),
              at(3),
              at(33)));
      store.nodeReport(new NodeReportParams(OTHER_OWNER, Map.of(), Set.of(), at(1), at(2), at(32)));

      assertThat(store.nodeList(new NodeListParams(at(4))))
          .as("in id order; a node without queues or workers is listed too")
          .containsExactly(
              new NodeInfo(
                  OWNER,
                  Map.of("default", 20, "import.v2:bulk-1", 2),
                  Set.of("email", "resize.image:v2"),
                  at(0),
                  at(3),
                  at(33)),
              new NodeInfo(OTHER_OWNER, Map.of(), Set.of(), at(1), at(2), at(32)));
    }

    @Test
    void aNewReportReplacesTheNodesEntryWhole() {
      report(
          OWNER, Map.of("default", 20, "import", 2), Set.of("email", "resize"), at(0), NODE_TERM);
      store.nodeReport(
          new NodeReportParams(OWNER, Map.of("mail", 5), Set.of("email"), at(9), at(10), at(40)));

      assertThat(store.nodeList(new NodeListParams(at(11))))
          .containsExactly(
              new NodeInfo(OWNER, Map.of("mail", 5), Set.of("email"), at(9), at(10), at(40)));
    }

    @Test
    void anEntryCountsUntilItExpiresThenIsLeftOut() {
      report(OWNER, at(0), NODE_TERM);
      report(OTHER_OWNER, at(0), Duration.ofSeconds(60));

      assertThat(live(at(30))).as("expiring exactly now").containsExactly(OWNER, OTHER_OWNER);
      assertThat(live(at(31))).containsExactly(OTHER_OWNER);
      assertThat(live(at(61))).isEmpty();

      report(OWNER, at(70), NODE_TERM);
      assertThat(live(at(71))).as("a node that reports again counts again").containsExactly(OWNER);
    }

    @Test
    void aRemovedNodeIsGoneAndRemovingAnAbsentOneChangesNothing() {
      report(OWNER, at(0), NODE_TERM);
      report(OTHER_OWNER, at(0), NODE_TERM);

      store.nodeRemove(new NodeRemoveParams(OWNER));
      store.nodeRemove(new NodeRemoveParams("never-reported"));

      assertThat(live(at(1))).containsExactly(OTHER_OWNER);
    }

    @Test
    void pruningDeletesOnlyExpiredEntries() {
      report(OWNER, at(0), NODE_TERM);
      report(OTHER_OWNER, at(0), Duration.ofSeconds(60));

      assertThat(store.nodePrune(new NodePruneParams(at(30)))).as("expiring exactly now").isZero();
      assertThat(store.nodePrune(new NodePruneParams(at(31)))).isEqualTo(1);
      assertThat(store.nodePrune(new NodePruneParams(at(31)))).isZero();
      assertThat(live(at(0)))
          .as("the pruned entry is gone, not just hidden")
          .containsExactly(OTHER_OWNER);
    }

    @Test
    void nodesReportingAtOnceSeeEachOther() throws Exception {
      int nodes = 8;
      concurrently(
          nodes,
          i -> {
            for (int round = 0; round < 5; round++) {
              report(
                  "node-" + i,
                  Map.of("queue-" + i, i + 1),
                  Set.of("kind-" + i),
                  at(round),
                  NODE_TERM);
              assertThat(live(at(round))).contains("node-" + i);
            }
            return null;
          });

      List<NodeInfo> listed = store.nodeList(new NodeListParams(at(5)));
      assertThat(listed).hasSize(nodes);
      for (NodeInfo node : listed) {
        int i = Integer.parseInt(node.id().substring("node-".length()));
        assertThat(node.queues()).containsExactly(Map.entry("queue-" + i, i + 1));
        assertThat(node.reportedAt()).isEqualTo(at(4));
      }
    }
  }

  private static Set<Long> intersection(Set<Long> a, Set<Long> b) {
    Set<Long> both = new HashSet<>(a);
    both.retainAll(b);
    return both;
  }

  private static void assertLeaseExpiredError(List<AttemptError> errors, int attempt, Instant at) {
    assertThat(errors).hasSize(1);
    AttemptError error = errors.get(0);
    assertThat(error.attempt()).isEqualTo(attempt);
    assertThat(error.at()).isEqualTo(at);
    assertThat(error.errorClass()).isEqualTo("lease_expired");
  }

  private static void assertCancelReason(List<AttemptError> errors, Instant at, String reason) {
    assertThat(errors).hasSize(1);
    assertThat(errors.get(0).at()).isEqualTo(at);
    assertThat(errors.get(0).message()).isEqualTo(reason);
  }
}
