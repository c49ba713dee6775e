package dev.errand;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.tuple;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

import dev.errand.TestArgs.Noop;
import dev.errand.TestArgs.Step;
import dev.errand.internal.engine.AttemptRunner;
import dev.errand.spi.JobFetchParams;
import dev.errand.spi.Store;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Proxy;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.slf4j.MDC;

class EngineTest extends EngineHarness {

  @Nested
  class Running {
    @Test
    void completesAJobAndRecordsIt() {
      AtomicReference<Job<Noop>> seen = new AtomicReference<>();
      Errand errand =
          start(
              c ->
                  c.queue("default", 2)
                      .worker(
                          "noop",
                          Noop.class,
                          job -> {
                            seen.set(job);
                            return Outcome.complete();
                          }));

      long id = errand.enqueue(new Noop(7)).id();

      await().until(() -> state(id) == JobState.COMPLETED);
      assertThat(seen.get().args()).isEqualTo(new Noop(7));
      assertThat(seen.get().attempt()).isEqualTo(1);
      JobInfo done = job(id);
      assertThat(done.finalizedAt()).isEqualTo(clock.instant());
      assertThat(done.leaseOwner()).isNull();
      assertThat(done.errors()).isEmpty();
      await().until(() -> events.stream().anyMatch(e -> e.job().id() == id));
      assertThat(events)
          .singleElement()
          .satisfies(
              e -> {
                assertThat(e.result()).isEqualTo(JobEvent.Result.COMPLETED);
                assertThat(e.error()).isNull();
              });
    }

    @Test
    void putsJobIdentityInTheMdcWhileRunning() {
      Map<String, String> mdc = new ConcurrentHashMap<>();
      Errand errand =
          start(
              c ->
                  c.queue("default", 1)
                      .worker(
                          "noop",
                          Noop.class,
                          job -> {
                            mdc.putAll(MDC.getCopyOfContextMap());
                            return Outcome.complete();
                          }));

      long id = errand.enqueue(new Noop(1)).id();

      await().until(() -> state(id) == JobState.COMPLETED);
      assertThat(mdc)
          .containsEntry(AttemptRunner.MDC_JOB_ID, Long.toString(id))
          .containsEntry(AttemptRunner.MDC_KIND, "noop")
          .containsEntry(AttemptRunner.MDC_QUEUE, "default")
          .containsEntry(AttemptRunner.MDC_ATTEMPT, "1");
    }

    @Test
    void aWorkerEnqueuesFollowUpJobs() {
      Errand errand =
          start(
              c ->
                  c.queue("default", 4)
                      .worker(
                          "step",
                          Step.class,
                          job -> {
                            if (job.args().name().equals("parent")) {
                              job.enqueueAll(
                                  List.of(new Step("child-1"), new Step("child-2")),
                                  EnqueueOptions.defaults());
                            }
                            return Outcome.complete();
                          }));

      errand.enqueue(new Step("parent"));

      await()
          .until(
              () ->
                  errand.jobs().list(JobQuery.all().withStates(JobState.COMPLETED)).jobs().size()
                      == 3);
    }

    @Test
    void aWorkerEnqueuesFollowUpJobsEachWithItsOwnOptions() {
      Errand errand =
          start(
              c ->
                  c.queue("default", 4)
                      .queue("later", 1)
                      .worker(
                          "step",
                          Step.class,
                          job -> {
                            if (job.args().name().equals("parent")) {
                              job.enqueueMany(
                                  List.of(
                                      new EnqueueRequest(
                                          new Step("child-1"), EnqueueOptions.defaults()),
                                      new EnqueueRequest(
                                          new Step("child-2"),
                                          EnqueueOptions.defaults().queue("later").priority(3))));
                            }
                            return Outcome.complete();
                          }));

      errand.enqueue(new Step("parent"));

      await()
          .until(
              () ->
                  errand.jobs().list(JobQuery.all().withStates(JobState.COMPLETED)).jobs().size()
                      == 3);
      assertThat(errand.jobs().list(JobQuery.all()).jobs())
          .extracting(JobInfo::argsJson, JobInfo::queue, JobInfo::priority)
          .containsExactlyInAnyOrder(
              tuple("{\"name\":\"parent\"}", "default", 0),
              tuple("{\"name\":\"child-1\"}", "default", 0),
              tuple("{\"name\":\"child-2\"}", "later", 3));
    }

    @Test
    void followUpsEnqueuedOnCompletionAreStoredOnlyWhenTheAttemptCompletes() {
      AtomicInteger attempts = new AtomicInteger();
      Errand errand =
          start(
              c ->
                  c.queue("default", 2)
                      .worker(
                          "step",
                          Step.class,
                          new Worker<Step>() {
                            @Override
                            public Outcome work(Job<Step> job) {
                              if (!job.args().name().equals("parent")) {
                                return Outcome.complete();
                              }
                              job.enqueueOnCompletion(new Step("child-" + job.attempt()));
                              if (attempts.incrementAndGet() == 1) {
                                throw new IllegalStateException(
                                    "first attempt fails after enqueuing");
                              }
                              return Outcome.complete();
                            }

                            @Override
                            public Duration backoff(Job<Step> job) {
                              return Duration.ZERO;
                            }
                          }));

      long parent = errand.enqueue(new Step("parent")).id();

      await().until(() -> state(parent) == JobState.COMPLETED);
      await()
          .until(
              () ->
                  errand.jobs().list(JobQuery.all().withStates(JobState.COMPLETED)).jobs().size()
                      == 2);
      assertThat(errand.jobs().list(JobQuery.all()).jobs())
          .extracting(JobInfo::argsJson)
          .containsExactly("{\"name\":\"parent\"}", "{\"name\":\"child-2\"}");
    }

    @Test
    void runsQueuesIndependentlyWithinTheirConcurrency() throws Exception {
      CountDownLatch release = new CountDownLatch(1);
      AtomicInteger runningNow = new AtomicInteger();
      AtomicInteger maxRunning = new AtomicInteger();
      Errand errand =
          start(
              c ->
                  c.queue("slow", 3)
                      .queue("fast", 1)
                      .worker(
                          "step",
                          Step.class,
                          job -> {
                            if (job.queue().equals("slow")) {
                              maxRunning.accumulateAndGet(runningNow.incrementAndGet(), Math::max);
                              release.await();
                              runningNow.decrementAndGet();
                            }
                            return Outcome.complete();
                          }));
      for (int i = 0; i < 10; i++) {
        errand.enqueue(new Step("s" + i), EnqueueOptions.defaults().queue("slow"));
      }

      await().until(() -> runningNow.get() == 3);
      long fast = errand.enqueue(new Step("f"), EnqueueOptions.defaults().queue("fast")).id();
      await().until(() -> state(fast) == JobState.COMPLETED);
      assertThat(runningNow.get()).isEqualTo(3);
      release.countDown();
      await()
          .until(() -> errand.queues().get("slow").orElseThrow().count(JobState.COMPLETED) == 10);
      assertThat(maxRunning.get()).isEqualTo(3);
    }

    @Test
    void platformThreadQueuesRunJobsToo() {
      AtomicBoolean virtual = new AtomicBoolean(true);
      Errand errand =
          start(
              c ->
                  c.queue(QueueConfig.of("cpu", 2).onPlatformThreads())
                      .worker(
                          "noop",
                          Noop.class,
                          job -> {
                            virtual.set(Thread.currentThread().isVirtual());
                            return Outcome.complete();
                          }));

      long id = errand.enqueue(new Noop(1), EnqueueOptions.defaults().queue("cpu")).id();

      await().until(() -> state(id) == JobState.COMPLETED);
      assertThat(virtual.get()).isFalse();
    }

    @Test
    void aPausedQueueRunsNothingUntilResumed() {
      Errand errand =
          start(c -> c.queue("default", 2).worker("noop", Noop.class, job -> Outcome.complete()));
      errand.queues().pause("default");

      long id = errand.enqueue(new Noop(1)).id();
      // That a paused queue yields nothing to a fetch is the StoreContract's to prove; here the
      // engine's part: the pause is visible, and resuming wakes the producer so the job runs.
      assertThat(errand.queues().get("default").orElseThrow().paused()).isTrue();
      assertThat(state(id)).isEqualTo(JobState.AVAILABLE);

      errand.queues().resume("default");
      await().until(() -> state(id) == JobState.COMPLETED);
    }

    @Test
    void aDelayedJobWaitsForItsTime() {
      Errand errand =
          start(c -> c.queue("default", 1).worker("noop", Noop.class, job -> Outcome.complete()));

      long id =
          errand.enqueue(new Noop(1), EnqueueOptions.defaults().runIn(Duration.ofMinutes(5))).id();

      assertThat(state(id)).isEqualTo(JobState.SCHEDULED);
      clock.advance(Duration.ofMinutes(5));
      await().until(() -> state(id) == JobState.COMPLETED);
    }
  }

  @Nested
  class Failures {
    @Test
    void aFailedAttemptIsRetriedAfterTheWorkersBackoff() {
      AtomicInteger attempts = new AtomicInteger();
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
                              if (attempts.incrementAndGet() == 1) {
                                throw new IllegalStateException("mail provider said 503");
                              }
                              return Outcome.complete();
                            }

                            @Override
                            public Duration backoff(Job<Noop> job) {
                              return Duration.ofSeconds(42);
                            }
                          }));
      Instant failedAt = clock.instant();

      long id = errand.enqueue(new Noop(1)).id();

      await().until(() -> state(id) == JobState.RETRYABLE);
      JobInfo retryable = job(id);
      assertThat(retryable.scheduledAt()).isEqualTo(failedAt.plusSeconds(42));
      assertThat(retryable.attempt()).isEqualTo(1);
      assertThat(retryable.errors())
          .singleElement()
          .satisfies(
              e -> {
                assertThat(e.attempt()).isEqualTo(1);
                assertThat(e.at()).isEqualTo(failedAt);
                assertThat(e.errorClass()).isEqualTo(IllegalStateException.class.getName());
                assertThat(e.message()).isEqualTo("mail provider said 503");
                assertThat(e.stackTrace()).contains("EngineTest");
              });

      clock.advance(Duration.ofSeconds(41));
      assertThat(state(id)).isEqualTo(JobState.RETRYABLE);
      clock.advance(Duration.ofSeconds(1));
      await().until(() -> state(id) == JobState.COMPLETED);
      assertThat(job(id).attempt()).isEqualTo(2);
      assertThat(attempts.get()).isEqualTo(2);
    }

    @Test
    void theDefaultBackoffIsExponentialWithJitter() {
      Errand errand =
          start(
              c ->
                  c.queue("default", 1)
                      .worker(
                          "noop",
                          Noop.class,
                          job -> {
                            throw new IllegalStateException("always");
                          }));
      Instant start = clock.instant();
      long id = errand.enqueue(new Noop(1)).id();

      for (int attempt = 1; attempt <= 4; attempt++) {
        int n = attempt;
        await().until(() -> state(id) == JobState.RETRYABLE && job(id).attempt() == n);
        Duration wait = Duration.between(clock.instant(), job(id).scheduledAt());
        long nominal = 1000L << (attempt - 1);
        assertThat(wait.toMillis()).isBetween(Math.round(nominal * 0.8), Math.round(nominal * 1.2));
        clock.advance(wait);
      }
      assertThat(start).isBefore(clock.instant());
    }

    @Test
    void anErrorThrownOutsideWorkFailsTheAttemptAndFreesItsSlot() {
      AtomicInteger calls = new AtomicInteger();
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
                              return Outcome.complete();
                            }

                            @Override
                            public Duration timeout(Job<Noop> job) {
                              // Only the first job's first attempt: an Error, not an exception.
                              if (job.args().n() == 1 && calls.getAndIncrement() == 0) {
                                throw new AssertionError("timeout of attempt " + job.attempt());
                              }
                              return Worker.super.timeout(job);
                            }

                            @Override
                            public int maxAttempts() {
                              return 1;
                            }
                          }));

      long failing = errand.enqueue(new Noop(1)).id();
      await().until(() -> state(failing) == JobState.DISCARDED);
      // The queue's one slot came back: the next job runs.
      long next = errand.enqueue(new Noop(2)).id();
      await().until(() -> state(next) == JobState.COMPLETED);

      assertThat(job(failing).errors())
          .extracting(AttemptError::message)
          .containsExactly("timeout of attempt 1");
    }

    @Test
    void afterTheLastAttemptTheJobIsDiscardedWithEveryError() {
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
                              throw new IllegalArgumentException("bad address " + job.attempt());
                            }

                            @Override
                            public Duration backoff(Job<Noop> job) {
                              return Duration.ZERO;
                            }

                            @Override
                            public int maxAttempts() {
                              return 3;
                            }
                          }));

      long id = errand.enqueue(new Noop(1)).id();

      await().until(() -> state(id) == JobState.DISCARDED);
      JobInfo dead = job(id);
      assertThat(dead.maxAttempts()).isEqualTo(3);
      assertThat(dead.attempt()).isEqualTo(3);
      assertThat(dead.errors())
          .extracting(AttemptError::message)
          .containsExactly("bad address 1", "bad address 2", "bad address 3");
      assertThat(dead.finalizedAt()).isNotNull();

      // Manual retry from the dead set runs it once more.
      assertThat(errand.jobs().retry(id))
          .get()
          .satisfies(
              j -> {
                assertThat(j.state()).isEqualTo(JobState.AVAILABLE);
                assertThat(j.maxAttempts()).isEqualTo(4);
              });
      await().until(() -> state(id) == JobState.DISCARDED && job(id).attempt() == 4);
    }

    @Test
    void aTimedOutAttemptIsInterruptedAndCountsAsFailed() {
      AtomicBoolean interrupted = new AtomicBoolean();
      Errand errand =
          start(
              c ->
                  c.queue("default", 1)
                      .worker(
                          "noop",
                          Noop.class,
                          new Worker<Noop>() {
                            @Override
                            public Outcome work(Job<Noop> job) throws InterruptedException {
                              try {
                                Thread.sleep(Duration.ofMinutes(10));
                              } catch (InterruptedException e) {
                                interrupted.set(true);
                                throw e;
                              }
                              return Outcome.complete();
                            }

                            @Override
                            public Duration timeout(Job<Noop> job) {
                              return Duration.ofMillis(50);
                            }
                          }));

      long id = errand.enqueue(new Noop(1), EnqueueOptions.defaults().maxAttempts(1)).id();

      await().until(() -> state(id) == JobState.DISCARDED);
      assertThat(interrupted).isTrue();
      assertThat(job(id).errors())
          .singleElement()
          .satisfies(
              e -> {
                assertThat(e.errorClass()).isEqualTo(JobTimeoutException.class.getName());
                assertThat(e.message()).contains("PT0.05S");
              });
    }

    @Test
    void aWorkerIgnoringItsTimeoutsInterruptIsRecordedAsTimedOutAndKeepsItsSlotUntilItReturns()
        throws InterruptedException {
      CountDownLatch interrupted = new CountDownLatch(1);
      CountDownLatch releaseStuck = new CountDownLatch(1);
      CountDownLatch stuckReturned = new CountDownLatch(1);
      CountDownLatch slowStarted = new CountDownLatch(1);
      CountDownLatch releaseSlow = new CountDownLatch(1);
      AtomicInteger runningNow = new AtomicInteger();
      AtomicInteger maxRunning = new AtomicInteger();
      Map<Long, Integer> claimLimits = new ConcurrentHashMap<>();
      Errand errand =
          start(
              recordingClaimLimits(claimLimits),
              c ->
                  c.queue("default", 2)
                      .worker(
                          "step",
                          Step.class,
                          new Worker<Step>() {
                            @Override
                            public Outcome work(Job<Step> job) throws InterruptedException {
                              maxRunning.accumulateAndGet(runningNow.incrementAndGet(), Math::max);
                              try {
                                switch (job.args().name()) {
                                  case "stuck" -> {
                                    awaitIgnoringInterrupts(releaseStuck, interrupted);
                                    stuckReturned.countDown();
                                  }
                                  case "slow" -> {
                                    slowStarted.countDown();
                                    releaseSlow.await();
                                  }
                                  default -> {}
                                }
                                return Outcome.complete();
                              } finally {
                                runningNow.decrementAndGet();
                              }
                            }

                            @Override
                            public Duration timeout(Job<Step> job) {
                              return job.args().name().equals("stuck")
                                  ? Duration.ofMillis(50)
                                  : Duration.ZERO;
                            }

                            @Override
                            public Duration backoff(Job<Step> job) {
                              return Duration.ofHours(1);
                            }
                          }));
      long stuck = errand.enqueue(new Step("stuck"), EnqueueOptions.defaults().maxAttempts(2)).id();

      try {
        // Recorded as timed out while the worker still runs: retried after its backoff, unleased.
        await().until(() -> state(stuck) == JobState.RETRYABLE);
        assertThat(interrupted.getCount()).as("interrupted at its timeout").isZero();
        assertThat(stuckReturned.getCount()).as("its worker still runs").isOne();
        JobInfo timedOut = job(stuck);
        assertThat(timedOut.attempt()).isEqualTo(1);
        assertThat(timedOut.leaseOwner()).isNull();
        assertThat(timedOut.scheduledAt()).isAfter(clock.instant().plus(Duration.ofMinutes(59)));
        assertThat(timedOut.errors())
            .singleElement()
            .satisfies(
                e -> {
                  assertThat(e.errorClass()).isEqualTo(JobTimeoutException.class.getName());
                  assertThat(e.message()).contains("PT0.05S");
                });

        // Its thread keeps its slot: the next job is claimed for the one other slot of two.
        long slow = errand.enqueue(new Step("slow")).id();
        assertThat(slowStarted.await(10, TimeUnit.SECONDS)).isTrue();
        assertThat(claimLimits)
            .as("limit of the claim that took the job: one slot free")
            .containsEntry(slow, 1);
        long quick = errand.enqueue(new Step("quick")).id();

        // Once the thread returns, its slot serves the queue again: while slow holds the other.
        releaseStuck.countDown();
        await().until(() -> state(quick) == JobState.COMPLETED);
        assertThat(state(slow)).isEqualTo(JobState.RUNNING);
        assertThat(job(stuck)).as("what the stuck worker returned is dropped").isEqualTo(timedOut);
        releaseSlow.countDown();
        await().until(() -> state(slow) == JobState.COMPLETED);
        assertThat(maxRunning).as("never more than the concurrency at once").hasValue(2);
      } finally {
        releaseStuck.countDown();
        releaseSlow.countDown();
      }
    }

    @Test
    void aNodeClaimsOnlyKindsItHasWorkersForAndLeavesTheOthersAvailable() {
      // A job for a worker in another language, or of a kind a rolling deploy has not brought to
      // this node yet: it waits for a node that can run it instead of failing here.
      Errand errand =
          start(c -> c.queue("default", 2).worker("noop", Noop.class, job -> Outcome.complete()));
      long foreign = errand.enqueue(new RawArgs("x", "{}")).id();

      for (int i = 0; i < 100; i++) {
        long id = errand.enqueue(new Noop(i)).id();
        await().until(() -> state(id) == JobState.COMPLETED);
      }

      JobInfo waiting = job(foreign);
      assertThat(waiting.state()).isEqualTo(JobState.AVAILABLE);
      assertThat(waiting.attempt()).isZero();
      assertThat(waiting.errors()).isEmpty();
      assertThat(errand.queues().list())
          .filteredOn(q -> q.name().equals("default"))
          .singleElement()
          .satisfies(q -> assertThat(q.count(JobState.AVAILABLE)).isEqualTo(1));
    }

    @Test
    void aNodeWithoutWorkersClaimsNothing() {
      Errand errand = start(c -> c.queue("default", 1));

      long id = errand.enqueue(new Noop(1)).id();
      Errand worker =
          start(c -> c.queue("default", 1).worker("noop", Noop.class, job -> Outcome.complete()));
      worker.queues().resume("default"); // wakes its producer

      await().until(() -> state(id) == JobState.COMPLETED);
      assertThat(job(id).attempt()).isEqualTo(1);
      assertThat(job(id).errors()).isEmpty();
    }

    @Test
    void storedArgsThatNoLongerFitTheRecordFailTheAttemptAndKeepTheJob() {
      Errand errand =
          start(
              c ->
                  c.queue("default", 1)
                      .worker("noop", Noop.class, job -> Outcome.complete())
                      .defaultMaxAttempts(1));
      long id =
          store
              .jobInsertMany(
                  new dev.errand.spi.JobInsertManyParams(
                      List.of(
                          new dev.errand.spi.NewJob(
                              "noop",
                              "default",
                              "{\"n\":\"not a number\"}",
                              0,
                              clock.instant(),
                              1,
                              List.of(),
                              Map.of())),
                      clock.instant()))
              .get(0)
              .id();
      errand.queues().resume("default"); // wakes the producer

      await().until(() -> state(id) == JobState.DISCARDED);
      assertThat(job(id).errors())
          .singleElement()
          .satisfies(
              e -> {
                assertThat(e.errorClass()).isEqualTo(JobArgsException.class.getName());
                assertThat(e.message()).contains("field 'n'").contains(Noop.class.getName());
              });
    }

    @Test
    void aWorkerReturningNullFailsTheAttemptWithAClearError() {
      Errand errand =
          start(
              c ->
                  c.queue("default", 1)
                      .defaultMaxAttempts(1)
                      .worker("noop", Noop.class, job -> null));

      long id = errand.enqueue(new Noop(1)).id();

      await().until(() -> state(id) == JobState.DISCARDED);
      assertThat(job(id).errors().get(0).message()).contains("returned null");
    }
  }

  @Nested
  class Outcomes {
    @Test
    void snoozeRunsTheJobLaterWithoutUsingAnAttempt() {
      AtomicInteger calls = new AtomicInteger();
      Errand errand =
          start(
              c ->
                  c.queue("default", 1)
                      .worker(
                          "noop",
                          Noop.class,
                          job ->
                              calls.incrementAndGet() == 1
                                  ? Outcome.snooze(Duration.ofMinutes(1))
                                  : Outcome.complete()));
      Instant at = clock.instant();

      long id = errand.enqueue(new Noop(1)).id();

      await().until(() -> state(id) == JobState.SCHEDULED);
      assertThat(job(id).attempt()).isZero();
      assertThat(job(id).scheduledAt()).isEqualTo(at.plus(Duration.ofMinutes(1)));
      clock.advance(Duration.ofMinutes(1));
      await().until(() -> state(id) == JobState.COMPLETED);
      assertThat(job(id).attempt()).isEqualTo(1);
    }

    @Test
    void cancelAndDiscardEndTheJobWithTheirReason() {
      Errand errand =
          start(
              c ->
                  c.queue("default", 2)
                      .worker(
                          "step",
                          Step.class,
                          job ->
                              job.args().name().equals("cancel")
                                  ? Outcome.cancel("user deleted the account")
                                  : Outcome.discard("address bounced permanently")));

      long cancelled = errand.enqueue(new Step("cancel")).id();
      long discarded = errand.enqueue(new Step("discard")).id();

      await().until(() -> state(cancelled) == JobState.CANCELLED);
      await().until(() -> state(discarded) == JobState.DISCARDED);
      assertThat(job(cancelled).errors())
          .singleElement()
          .satisfies(e -> assertThat(e.message()).isEqualTo("user deleted the account"));
      assertThat(job(discarded).errors())
          .singleElement()
          .satisfies(e -> assertThat(e.message()).isEqualTo("address bounced permanently"));
      assertThat(job(discarded).attempt()).isEqualTo(1);
    }
  }

  @Nested
  class Cancellation {
    @Test
    void cancellingARunningJobInterruptsItAndIgnoresItsResult() {
      CountDownLatch started = new CountDownLatch(1);
      AtomicBoolean interrupted = new AtomicBoolean();
      Errand errand =
          start(
              c ->
                  c.queue("default", 1)
                      .worker(
                          "noop",
                          Noop.class,
                          job -> {
                            started.countDown();
                            try {
                              Thread.sleep(Duration.ofMinutes(10));
                            } catch (InterruptedException e) {
                              interrupted.set(true);
                            }
                            return Outcome.complete(); // ignored: the job was cancelled
                          }));
      long id = errand.enqueue(new Noop(1)).id();
      await().until(() -> started.getCount() == 0);

      assertThat(errand.jobs().cancel(id))
          .get()
          .extracting(JobInfo::state)
          .isEqualTo(JobState.CANCELLED);

      await().untilTrue(interrupted);
      await()
          .until(() -> errand.queues().get("default").orElseThrow().count(JobState.RUNNING) == 0);
      assertThat(state(id)).isEqualTo(JobState.CANCELLED);
      assertThat(events).noneMatch(e -> e.job().id() == id);
    }

    @Test
    void cancellingFromAnotherNodeStopsTheJobAtItsNextHeartbeat() {
      CountDownLatch started = new CountDownLatch(1);
      AtomicBoolean interrupted = new AtomicBoolean();
      start(
          c ->
              c.queue("default", 1)
                  .worker(
                      "noop",
                      Noop.class,
                      job -> {
                        started.countDown();
                        try {
                          Thread.sleep(Duration.ofMinutes(10));
                        } catch (InterruptedException e) {
                          interrupted.set(true);
                        }
                        return Outcome.complete();
                      }));
      Errand client = Errand.create(config().build()); // insert-only: no queues
      long id = client.enqueue(new Noop(1)).id();
      await().until(() -> started.getCount() == 0);

      client.jobs().cancel(id);

      await().untilTrue(interrupted);
      assertThat(state(id)).isEqualTo(JobState.CANCELLED);
    }

    @Test
    void cancellingAnAvailableOrScheduledJobMeansItNeverRuns() {
      Errand client = Errand.create(config().build());
      long available = client.enqueue(new Noop(1)).id();
      long scheduled =
          client.enqueue(new Noop(2), EnqueueOptions.defaults().runIn(Duration.ofMinutes(1))).id();

      client.jobs().cancel(available);
      client.jobs().cancel(scheduled);
      Set<Long> ran = ConcurrentHashMap.newKeySet();
      start(
          c ->
              c.queue("default", 1)
                  .worker(
                      "noop",
                      Noop.class,
                      job -> {
                        ran.add(job.id());
                        return Outcome.complete();
                      }));
      long probe = client.enqueue(new Noop(3)).id();
      // Past the scheduled job's run time. The probe may run more than once if this also expires
      // its lease; only which jobs ran matters here.
      clock.advance(Duration.ofMinutes(2));

      await().until(() -> state(probe) == JobState.COMPLETED);
      assertThat(ran).containsExactly(probe);
      assertThat(state(available)).isEqualTo(JobState.CANCELLED);
      assertThat(state(scheduled)).isEqualTo(JobState.CANCELLED);
    }
  }

  @Nested
  class Shutdown {
    @Test
    void stopLetsRunningJobsFinishWithinTheDrainPeriod() {
      CountDownLatch started = new CountDownLatch(1);
      Errand errand =
          start(
              c ->
                  c.queue("default", 1)
                      .worker(
                          "noop",
                          Noop.class,
                          job -> {
                            started.countDown();
                            Thread.sleep(200);
                            return Outcome.complete();
                          }));
      long id = errand.enqueue(new Noop(1)).id();
      await().until(() -> started.getCount() == 0);

      errand.stop(Duration.ofSeconds(30));

      assertThat(state(id)).isEqualTo(JobState.COMPLETED);
    }

    @Test
    void stopReleasesJobsStillRunningAfterTheDrainPeriod() {
      CountDownLatch started = new CountDownLatch(2);
      Errand errand =
          start(
              c ->
                  c.queue("default", 2)
                      .worker(
                          "step",
                          Step.class,
                          job -> {
                            started.countDown();
                            if (job.args().name().equals("stubborn")) {
                              // Ignores interrupts: shutdown must not wait for it.
                              long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(3);
                              while (System.nanoTime() < end) {
                                Thread.onSpinWait();
                              }
                            } else {
                              Thread.sleep(Duration.ofMinutes(10));
                            }
                            return Outcome.complete();
                          }));
      long polite = errand.enqueue(new Step("polite")).id();
      long stubborn = errand.enqueue(new Step("stubborn")).id();
      await().until(() -> started.getCount() == 0);

      errand.stop(Duration.ofMillis(100));

      for (long id : List.of(polite, stubborn)) {
        JobInfo job = job(id);
        assertThat(job.state()).isEqualTo(JobState.AVAILABLE);
        assertThat(job.attempt()).as("a released attempt is not counted").isZero();
        assertThat(job.leaseOwner()).isNull();
      }
    }

    @Test
    void stopDoesNotWaitForAWorkerThatIgnoredItsTimeoutsInterrupt() throws InterruptedException {
      CountDownLatch interrupted = new CountDownLatch(1);
      CountDownLatch release = new CountDownLatch(1);
      CountDownLatch returned = new CountDownLatch(1);
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
                              awaitIgnoringInterrupts(release, interrupted);
                              returned.countDown();
                              return Outcome.complete();
                            }

                            @Override
                            public Duration timeout(Job<Noop> job) {
                              return Duration.ofMillis(50);
                            }
                          }));
      long id = errand.enqueue(new Noop(1), EnqueueOptions.defaults().maxAttempts(1)).id();

      try {
        await().until(() -> state(id) == JobState.DISCARDED);

        // A drain far longer than the bound: the attempt is recorded, so stop has nothing to wait
        // for, although the thread never ends while it runs (shutdown interrupts it once more).
        assertTimeoutPreemptively(Duration.ofSeconds(10), () -> errand.stop(Duration.ofHours(1)));

        assertThat(returned.getCount()).as("the worker's thread still runs").isOne();
        JobInfo job = job(id);
        assertThat(job.state()).isEqualTo(JobState.DISCARDED);
        assertThat(job.attempt()).isEqualTo(1);
        assertThat(job.leaseOwner()).isNull();
        assertThat(job.errors())
            .extracting(AttemptError::errorClass)
            .containsExactly(JobTimeoutException.class.getName());
      } finally {
        release.countDown();
      }
      assertThat(returned.await(10, TimeUnit.SECONDS)).as("no thread left behind").isTrue();
    }

    @Test
    void jobsClaimedAheadOfAFreeSlotNeverExceedTheConcurrencyAndAreGivenBackAtStop() {
      CountDownLatch blocked = new CountDownLatch(1);
      AtomicInteger runningNow = new AtomicInteger();
      AtomicInteger maxRunning = new AtomicInteger();
      Errand errand =
          start(
              c ->
                  c.queue("default", 1)
                      .worker(
                          "step",
                          Step.class,
                          job -> {
                            maxRunning.accumulateAndGet(runningNow.incrementAndGet(), Math::max);
                            try {
                              if (job.args().name().equals("blocker")) {
                                blocked.countDown();
                                Thread.sleep(Duration.ofMinutes(10));
                              }
                              return Outcome.complete();
                            } finally {
                              runningNow.decrementAndGet();
                            }
                          }));
      // Quick jobs first: the queue finishes many per window, so the producer claims ahead of
      // its one slot, and what it claimed behind the blocker waits in its buffer.
      errand.enqueueAll(IntStream.range(0, 300).mapToObj(i -> new Step("quick-" + i)).toList());
      long blocker = errand.enqueue(new Step("blocker")).id();
      List<Long> behind = new ArrayList<>();
      for (int i = 0; i < 20; i++) {
        behind.add(errand.enqueue(new Step("behind-" + i)).id());
      }
      await().until(() -> blocked.getCount() == 0);
      // One runs; the others the store shows as running wait in the producer's buffer.
      await().until(() -> errand.queues().get("default").orElseThrow().count(JobState.RUNNING) > 1);

      errand.stop(Duration.ofMillis(100));

      assertThat(maxRunning.get()).isEqualTo(1);
      List<Long> notRun = new ArrayList<>(behind);
      notRun.add(blocker);
      for (long id : notRun) {
        JobInfo job = job(id);
        assertThat(job.state()).as("job %d", id).isEqualTo(JobState.AVAILABLE);
        assertThat(job.attempt()).as("job %d: a released attempt is not counted", id).isZero();
        assertThat(job.leaseOwner()).isNull();
      }
      assertThat(errand.queues().get("default").orElseThrow().count(JobState.COMPLETED))
          .isEqualTo(300);
    }

    @Test
    void aReleasedJobRunsOnTheNextNode() {
      CountDownLatch started = new CountDownLatch(1);
      Errand first =
          start(
              c ->
                  c.queue("default", 1)
                      .worker(
                          "noop",
                          Noop.class,
                          job -> {
                            started.countDown();
                            Thread.sleep(Duration.ofMinutes(10));
                            return Outcome.complete();
                          }));
      long id = first.enqueue(new Noop(1)).id();
      await().until(() -> started.getCount() == 0);
      first.stop(Duration.ZERO);

      start(c -> c.queue("default", 1).worker("noop", Noop.class, job -> Outcome.complete()));

      await().until(() -> state(id) == JobState.COMPLETED);
      assertThat(job(id).attempt()).isEqualTo(1);
    }
  }

  @Nested
  class Leases {
    @Test
    void jobsOfACrashedNodeAreRescuedAndRunElsewhere() {
      Errand client = Errand.create(config().build());
      long id = client.enqueue(new Noop(1)).id();
      // A node fetches the job and dies: it never renews its lease.
      var claimed =
          store.jobFetch(
              new dev.errand.spi.JobFetchParams(
                  "default", 1, "crashed-node", clock.instant(), clock.instant().plusSeconds(30)));
      assertThat(claimed).hasSize(1);
      start(c -> c.queue("default", 1).worker("noop", Noop.class, job -> Outcome.complete()));

      clock.advance(Duration.ofSeconds(31));

      await().until(() -> state(id) == JobState.COMPLETED);
      JobInfo done = job(id);
      assertThat(done.attempt()).isEqualTo(2);
      assertThat(done.errors())
          .singleElement()
          .satisfies(
              e -> {
                assertThat(e.errorClass()).isEqualTo("lease_expired");
                assertThat(e.message()).contains("crashed-node");
              });
      // The dead node's late result is fenced out.
      var late =
          store.jobFinishMany(
              new dev.errand.spi.JobFinishManyParams(
                  List.of(
                      new dev.errand.spi.JobFinish.Completed(
                          new dev.errand.spi.JobRef(id, 1), clock.instant()))));
      assertThat(late.applied()).isEmpty();
    }

    @Test
    void heartbeatsKeepALongJobLeased() {
      CountDownLatch started = new CountDownLatch(1);
      CountDownLatch finish = new CountDownLatch(1);
      Errand errand =
          start(
              c ->
                  c.queue("default", 1)
                      .worker(
                          "noop",
                          Noop.class,
                          job -> {
                            started.countDown();
                            finish.await();
                            return Outcome.complete();
                          }));
      long id = errand.enqueue(new Noop(1)).id();
      await().until(() -> started.getCount() == 0);
      Instant firstExpiry = job(id).leaseExpiresAt();

      clock.advance(Duration.ofSeconds(20));
      await().until(() -> job(id).leaseExpiresAt().isAfter(firstExpiry));
      clock.advance(Duration.ofSeconds(20)); // past the first lease, within the renewed one
      finish.countDown();

      await().until(() -> state(id) == JobState.COMPLETED);
      assertThat(job(id).errors()).isEmpty();
      assertThat(job(id).attempt()).isEqualTo(1);
    }
  }

  @Nested
  class Leadership {
    @Test
    void exactlyOneNodeLeadsAndAStoppedLeaderHandsOver() {
      Errand a = start(c -> c.queue("default", 1));
      Errand b = start(c -> c.queue("default", 1));

      await().until(() -> a.isLeader() || b.isLeader());
      assertThat(a.isLeader() && b.isLeader()).isFalse();
      Errand leader = a.isLeader() ? a : b;
      Errand follower = leader == a ? b : a;

      leader.stop(Duration.ofSeconds(5));

      assertThat(leader.isLeader()).isFalse();
      await().until(follower::isLeader);
    }

    @Test
    void aDeadLeaderIsReplacedOnceItsTermExpires() {
      // A node that won and then died: it never renews and never resigns.
      assertThat(
              store.leaderElect(
                  new dev.errand.spi.LeaderElectParams(
                      "maintenance",
                      "dead-node",
                      clock.instant(),
                      clock.instant().plusSeconds(15))))
          .isTrue();
      Errand client = Errand.create(config().build());
      long id = client.enqueue(new Noop(1)).id();
      assertThat(
              store.jobFetch(
                  new dev.errand.spi.JobFetchParams(
                      "default", 1, "dead-node", clock.instant(), clock.instant().plusSeconds(5))))
          .hasSize(1);
      Errand node =
          start(c -> c.queue("default", 1).worker("noop", Noop.class, job -> Outcome.complete()));
      clock.advance(Duration.ofSeconds(10));
      // The lease of the dead node's job expired, but nobody leads: no rescue yet.
      assertThat(node.isLeader()).isFalse();
      assertThat(state(id)).isEqualTo(JobState.RUNNING);

      clock.advance(Duration.ofSeconds(6));

      await().until(node::isLeader);
      await().until(() -> state(id) == JobState.COMPLETED);
      assertThat(job(id).errors())
          .singleElement()
          .satisfies(e -> assertThat(e.errorClass()).isEqualTo("lease_expired"));
    }

    @Test
    void aNewLeaderRescuesExpiredLeasesAtOnceNotAfterItsInterval() {
      // A dead node's job whose lease has expired; the leadership is free.
      long id = Errand.create(config().build()).enqueue(new Noop(1)).id();
      assertThat(
              store.jobFetch(
                  new dev.errand.spi.JobFetchParams(
                      "default", 1, "dead-node", clock.instant(), clock.instant().plusSeconds(5))))
          .hasSize(1);
      clock.advance(Duration.ofSeconds(6));

      // An hour between rescue passes: only the pass run on election can rescue the job in time.
      Errand node =
          start(
              c ->
                  c.rescueInterval(Duration.ofHours(1))
                      .queue("default", 1)
                      .worker("noop", Noop.class, job -> Outcome.complete()));

      await().until(node::isLeader);
      await().until(() -> state(id) == JobState.COMPLETED);
      assertThat(job(id).attempt()).isEqualTo(2);
    }
  }

  @Nested
  class Resilience {
    @Test
    void loopsSurviveAFailingStoreAndCatchUp() {
      FlakyStore flaky = new FlakyStore(store, 3);
      Errand errand =
          Errand.create(
                  config()
                      .queue("default", 4)
                      .worker("noop", Noop.class, job -> Outcome.complete())
                      .build())
              .start();
      Errand flakyNode =
          Errand.create(
                  Config.builder(flaky)
                      .clock(clock)
                      .pollInterval(Duration.ofMillis(20))
                      .heartbeatInterval(Duration.ofMillis(20))
                      .queue("flaky", 4)
                      .worker("noop", Noop.class, job -> Outcome.complete())
                      .build())
              .start();
      try {
        List<Enqueued> jobs =
            errand.enqueueAll(
                List.of(new Noop(1), new Noop(2), new Noop(3)),
                EnqueueOptions.defaults().queue("flaky"));

        await()
            .atMost(Duration.ofSeconds(20))
            .until(() -> jobs.stream().allMatch(j -> state(j.id()) == JobState.COMPLETED));
        assertThat(flaky.failuresLeft()).isZero();
      } finally {
        flakyNode.stop(Duration.ofSeconds(5));
        errand.stop(Duration.ofSeconds(5));
      }
    }

    @Test
    void aCompleterThatFallsBehindHoldsBackFetching() {
      FlakyStore stalling = new FlakyStore(store, 0);
      stalling.holdFinishes();
      Errand node =
          Errand.create(
                  Config.builder(stalling)
                      .clock(clock)
                      .pollInterval(Duration.ofMillis(20))
                      .queue("default", 2)
                      .completerBatchMax(3)
                      .worker("noop", Noop.class, job -> Outcome.complete())
                      .build())
              .start();
      try {
        List<Enqueued> jobs = node.enqueueAll(IntStream.range(0, 20).mapToObj(Noop::new).toList());

        // Two slots plus one completer batch of three: five attempts may await their write.
        await().atMost(Duration.ofSeconds(10)).until(() -> count(jobs, JobState.RUNNING) == 5);
        await()
            .during(Duration.ofMillis(300))
            .atMost(Duration.ofSeconds(5))
            .until(
                () -> count(jobs, JobState.RUNNING) == 5 && count(jobs, JobState.AVAILABLE) == 15);

        stalling.releaseFinishes();
        await().atMost(Duration.ofSeconds(10)).until(() -> count(jobs, JobState.COMPLETED) == 20);
      } finally {
        stalling.releaseFinishes();
        node.stop(Duration.ofSeconds(5));
      }
    }

    private long count(List<Enqueued> jobs, JobState state) {
      return jobs.stream().filter(j -> state(j.id()) == state).count();
    }

    @Test
    void leaseKeeperRetriesEveryHeartbeatWhileTheStoreFails() {
      FlakyStore flaky = new FlakyStore(store, 0);
      CountDownLatch started = new CountDownLatch(1);
      CountDownLatch finish = new CountDownLatch(1);
      Errand node =
          Errand.create(
                  Config.builder(flaky)
                      .clock(clock)
                      .pollInterval(Duration.ofMillis(20))
                      .heartbeatInterval(Duration.ofMillis(20))
                      .queue("default", 1)
                      .worker(
                          "noop",
                          Noop.class,
                          job -> {
                            started.countDown();
                            finish.await();
                            return Outcome.complete();
                          })
                      .build())
              .start();
      try {
        long id = node.enqueue(new Noop(1)).id();
        await().until(() -> started.getCount() == 0);
        flaky.failHeartbeats(8);
        // Backing off exponentially, the eighth try would come some 12.7 s after the first failure
        // (0.1 + 0.2 + ... + 6.4 s), by when the leases of the jobs running here could have
        // expired long ago. Every heartbeat interval, the eight tries take a fraction of a second.
        await().atMost(Duration.ofSeconds(5)).until(() -> flaky.heartbeatFailuresLeft() == 0);
        Instant expiry = job(id).leaseExpiresAt();
        clock.advance(Duration.ofSeconds(1));
        await().atMost(Duration.ofSeconds(5)).until(() -> job(id).leaseExpiresAt().isAfter(expiry));
      } finally {
        finish.countDown();
        node.stop(Duration.ofSeconds(5));
      }
    }
  }

  /**
   * Waits for {@code latch} as a worker that ignores interrupts would: each interrupt is counted on
   * {@code interrupted} and swallowed.
   */
  static void awaitIgnoringInterrupts(CountDownLatch latch, CountDownLatch interrupted) {
    while (true) {
      try {
        latch.await();
        return;
      } catch (InterruptedException e) {
        interrupted.countDown();
      }
    }
  }

  /** {@link #store}, noting the limit of the claim ({@code jobFetch}) that took each job. */
  private Store recordingClaimLimits(Map<Long, Integer> limits) {
    return (Store)
        Proxy.newProxyInstance(
            Store.class.getClassLoader(),
            new Class<?>[] {Store.class},
            (proxy, method, args) -> {
              Object result;
              try {
                result = method.invoke(store, args);
              } catch (InvocationTargetException e) {
                throw e.getCause();
              }
              if (method.getName().equals("jobFetch")) {
                for (Object job : (List<?>) result) {
                  limits.put(((JobInfo) job).id(), ((JobFetchParams) args[0]).limit());
                }
              }
              return result;
            });
  }
}
