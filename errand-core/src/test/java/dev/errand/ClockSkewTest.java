package dev.errand;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.errand.TestArgs.Noop;
import dev.errand.spi.JobFetchParams;
import dev.errand.spi.JobRescueParams;
import dev.errand.spi.LeaderElectParams;
import dev.errand.spi.Store;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Proxy;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Predicate;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;

/**
 * Nodes whose clocks disagree, on a store with a clock of its own ({@link #storeWithClock}): each
 * node computes leases, leadership terms and run times in the store's time, so a node ahead or
 * behind neither rescues jobs that still run elsewhere, nor writes leases already expired, nor
 * takes leadership from a leader whose term still runs, nor enqueues a periodic slot early. Most
 * cases also run with the store's clock hidden ({@link #store}: each node computes from its own
 * clock, as before), where they go wrong: that is what the alignment prevents.
 */
class ClockSkewTest extends EngineHarness {
  private static final Duration AHEAD = Duration.ofSeconds(60);
  private static final Duration BEHIND = Duration.ofSeconds(-60);
  private static final Instant START = Instant.parse("2030-01-01T00:00:00Z");

  private final CountDownLatch release = new CountDownLatch(1);
  private final CountDownLatch started = new CountDownLatch(1);

  @AfterEach
  void releaseWorkers() {
    release.countDown();
  }

  /** The store every node shares: with the store's clock shown, or hidden. */
  private Store shared(boolean storeHasClock) {
    return storeHasClock ? storeWithClock : store;
  }

  /** A node named {@code id} whose clock reads {@code offset} off the store's; works no queue. */
  private Errand idle(String id, Duration offset, boolean storeHasClock) {
    return start(shared(storeHasClock), c -> c.nodeId(id).clock(clockOffsetBy(offset)));
  }

  /** As {@link #idle}, working "default" with one slot: its noop job runs until released. */
  private Errand working(String id, Duration offset, Store on) {
    return start(
        on,
        c ->
            c.nodeId(id)
                .clock(clockOffsetBy(offset))
                .queue("default", 1)
                .worker(
                    "noop",
                    Noop.class,
                    job -> {
                      started.countDown();
                      release.await(1, TimeUnit.MINUTES);
                      return Outcome.complete();
                    }));
  }

  /** Waits for {@code count} calls of {@code method} that start after this is called. */
  private <P> void awaitCalls(int count, String method, Class<P> params, Predicate<P> matching) {
    for (int i = 0; i < count; i++) {
      calls.expect(method, params, matching).await();
    }
  }

  /** Waits for five rescue passes at {@code now} or later, each judging every running lease. */
  private void awaitRescuePassesAt(Instant now) {
    awaitCalls(5, "jobRescueExpired", JobRescueParams.class, p -> !p.now().isBefore(now));
  }

  private void assertStillRunsItsFirstAttempt(long id) {
    JobInfo job = job(id);
    assertThat(job.state()).isEqualTo(JobState.RUNNING);
    assertThat(job.attempt()).isEqualTo(1);
    assertThat(job.errors()).isEmpty();
  }

  private void awaitRescued(long id) {
    await().until(() -> !job(id).errors().isEmpty());
    assertThat(job(id).errors().get(0).errorClass()).isEqualTo("lease_expired");
  }

  @Nested
  class Rescue {
    /** The leader, 60 s ahead, runs rescue passes while a job runs on a node on time. */
    private long runAJobWhileALeaderAheadRescues(boolean storeHasClock) {
      Errand ahead = idle("ahead", AHEAD, storeHasClock);
      await().until(ahead::isLeader);
      Errand worker = working("worker", Duration.ZERO, shared(storeHasClock));
      long id = worker.enqueue(new Noop(1)).id();
      // Started, rather than seen running in the store: a rescue may already have taken it back.
      await().until(() -> started.getCount() == 0);
      return id;
    }

    @Test
    void aLeaderWhoseClockIsAheadRescuesNoJobThatStillRunsElsewhere() {
      long id = runAJobWhileALeaderAheadRescues(true);

      awaitRescuePassesAt(START);
      assertStillRunsItsFirstAttempt(id);
    }

    @Test
    void withoutTheStoresClockTheLeaderAheadRescuesAJobThatStillRuns() {
      long id = runAJobWhileALeaderAheadRescues(false);

      // Its lease, 30 s from the worker's clock, is 30 s past on the leader's.
      awaitRescued(id);
    }

    /** A node 60 s behind runs a job it enqueued itself while a leader on time rescues. */
    private long runAJobOnANodeBehind(boolean storeHasClock) {
      Errand leader = idle("leader", Duration.ZERO, storeHasClock);
      await().until(leader::isLeader);
      Errand behind = working("behind", BEHIND, shared(storeHasClock));
      long id = behind.enqueue(new Noop(1)).id();
      await().until(() -> started.getCount() == 0);
      return id;
    }

    @Test
    void aNodeWhoseClockIsBehindWritesLeasesThatTheLeaderDoesNotFindExpired() {
      long id = runAJobOnANodeBehind(true);

      awaitRescuePassesAt(START);
      assertStillRunsItsFirstAttempt(id);
      assertThat(job(id).leaseExpiresAt()).isEqualTo(START.plusSeconds(30));
    }

    @Test
    void withoutTheStoresClockANodeBehindWritesLeasesAlreadyExpired() {
      long id = runAJobOnANodeBehind(false);

      // 30 s from a clock 60 s behind: 30 s past when written.
      awaitRescued(id);
    }
  }

  @Nested
  class Fetching {
    /** A client on time enqueues a job for now; a node 60 s behind works the queue. */
    private long enqueueForNowWithANodeBehind(boolean storeHasClock) {
      Errand client = Errand.create(config(shared(storeHasClock)).build());
      long id = client.enqueue(new Noop(1)).id();
      working("behind", BEHIND, shared(storeHasClock));
      return id;
    }

    @Test
    void aNodeWhoseClockIsBehindRunsAJobDueNowAtOnce() {
      long id = enqueueForNowWithANodeBehind(true);

      await().until(() -> started.getCount() == 0);
      assertThat(job(id).attemptedAt()).isEqualTo(START);
    }

    @Test
    void withoutTheStoresClockANodeBehindLeavesAJobDueNowWaiting() {
      long id = enqueueForNowWithANodeBehind(false);

      // Fetches that asked for what was due by the node's clock: nothing, for another 60 s.
      awaitCalls(3, "jobFetch", JobFetchParams.class, p -> p.owner().equals("behind"));
      assertThat(job(id).state()).isEqualTo(JobState.AVAILABLE);
      assertThat(started.getCount()).isEqualTo(1);
    }

    @Test
    void aClientThatNeverStartsStampsRunTimesInTheStoresTime() {
      Errand client = Errand.create(config(storeWithClock).clock(clockOffsetBy(AHEAD)).build());

      // Measured at its first read of the clock: its first job is due now, not in 60 s.
      long now = client.enqueue(new Noop(1)).id();
      long later =
          client.enqueue(new Noop(2), EnqueueOptions.defaults().runIn(Duration.ofSeconds(10))).id();

      assertThat(job(now).scheduledAt()).isEqualTo(START);
      assertThat(job(later).scheduledAt()).isEqualTo(START.plusSeconds(10));
      assertThat(job(later).state()).isEqualTo(JobState.SCHEDULED);
    }

    @Test
    void withoutTheStoresClockAClientAheadStampsRunTimesInTheFuture() {
      Errand client = Errand.create(config(store).clock(clockOffsetBy(AHEAD)).build());

      long id = client.enqueue(new Noop(1)).id();

      assertThat(job(id).scheduledAt()).isEqualTo(START.plus(AHEAD));
    }
  }

  @Nested
  class Leadership {
    @Test
    void aNodeWhoseClockIsAheadDoesNotTakeLeadershipFromALiveLeader() {
      Errand leader = idle("leader", Duration.ZERO, true);
      await().until(leader::isLeader);
      Errand ahead = idle("ahead", AHEAD, true);

      // Elections that the node ahead asked for, in the store's time: the term still runs.
      awaitCalls(3, "leaderElect", LeaderElectParams.class, p -> p.owner().equals("ahead"));
      assertThat(ahead.isLeader()).isFalse();
      assertThat(leader.isLeader()).isTrue();
    }

    @Test
    void withoutTheStoresClockANodeAheadTakesLeadershipFromALiveLeader() {
      Errand leader = idle("leader", Duration.ZERO, false);
      await().until(leader::isLeader);
      Errand ahead = idle("ahead", AHEAD, false);

      // The leader's term, 300 ms from its clock, is long past on the clock of the node ahead.
      await().until(ahead::isLeader);
    }

    @Test
    void aLeaderWhoseClockIsBehindKeepsItsTermAgainstANodeOnTime() {
      Errand behind = idle("behind", BEHIND, true);
      await().until(behind::isLeader);
      Errand onTime = idle("on-time", Duration.ZERO, true);

      awaitCalls(3, "leaderElect", LeaderElectParams.class, p -> p.owner().equals("on-time"));
      assertThat(onTime.isLeader()).isFalse();
      assertThat(behind.isLeader()).isTrue();
    }

    @Test
    void withoutTheStoresClockALeaderBehindLosesItsTermToANodeOnTime() {
      Errand behind = idle("behind", BEHIND, false);
      await().until(behind::isLeader);
      Errand onTime = idle("on-time", Duration.ZERO, false);

      // The term it renews ends 300 ms after its clock: 59.7 s ago on the other node's.
      await().until(onTime::isLeader);
    }
  }

  @Nested
  class PeriodicSlots {
    private static final Duration SKEW = Duration.ofSeconds(20);

    record Tick() implements JobArgs {
      @Override
      public String kind() {
        return "tick";
      }
    }

    private Errand ticking(String id, Duration offset, boolean storeHasClock) {
      return start(
          shared(storeHasClock),
          c ->
              c.nodeId(id)
                  .clock(clockOffsetBy(offset))
                  .periodic(PeriodicJob.of(Schedule.every(Duration.ofMinutes(1)), new Tick())));
    }

    private List<Instant> slots() {
      return store.jobList(JobQuery.all().withLimit(1_000)).stream()
          .filter(j -> j.kind().equals("tick"))
          .map(JobInfo::scheduledAt)
          .sorted()
          .toList();
    }

    /**
     * A leader on time enqueues the first slot and stops; a node {@link #SKEW} ahead takes over,
     * and the store's clock moves to 15 s before the next slot: 5 s after it by the new leader's
     * own clock.
     */
    private void handOverToALeaderAhead(boolean storeHasClock) {
      Errand first = ticking("first", Duration.ZERO, storeHasClock);
      await().until(() -> slots().equals(List.of(START)));
      first.stop(Duration.ofSeconds(5));
      Errand ahead = ticking("ahead", SKEW, storeHasClock);
      await().until(ahead::isLeader);
      clock.advance(Duration.ofSeconds(45));
    }

    @Test
    void aLeaderAheadEnqueuesEverySlotAtItsTimeAcrossAHandover() {
      handOverToALeaderAhead(true);

      // The enqueuer looks at least every second: two seconds give it two looks at the new time.
      await()
          .during(Duration.ofSeconds(2))
          .atMost(Duration.ofSeconds(5))
          .until(() -> slots().equals(List.of(START)));
      clock.advance(Duration.ofSeconds(15));
      await().until(() -> slots().equals(List.of(START, START.plusSeconds(60))));
    }

    @Test
    void withoutTheStoresClockALeaderAheadEnqueuesASlotBeforeItsTime() {
      handOverToALeaderAhead(false);

      await().until(() -> slots().equals(List.of(START, START.plusSeconds(60))));
    }
  }

  @Nested
  class LaggingHeartbeats {
    /** Holds every heartbeat call, as a node paused or cut off from the store would. */
    private final CountDownLatch heartbeatsLag = new CountDownLatch(1);

    @AfterEach
    void releaseHeartbeats() {
      heartbeatsLag.countDown();
    }

    /** {@code on}, whose heartbeat calls wait until {@link #heartbeatsLag} is released. */
    private Store lagging(Store on) {
      return (Store)
          Proxy.newProxyInstance(
              Store.class.getClassLoader(),
              new Class<?>[] {Store.class},
              (proxy, method, args) -> {
                if (method.getName().equals("jobHeartbeat")) {
                  heartbeatsLag.await();
                }
                try {
                  return method.invoke(on, args);
                } catch (InvocationTargetException e) {
                  throw e.getCause();
                }
              });
    }

    /**
     * A node 20 s behind runs a job while its heartbeats lag; the store's clock moves half a lease
     * (15 s) on; a leader on time rescues.
     */
    private long lagHalfALeaseBehind(boolean storeHasClock) {
      Errand leader = idle("leader", Duration.ZERO, storeHasClock);
      await().until(leader::isLeader);
      Errand behind = working("behind", Duration.ofSeconds(-20), lagging(shared(storeHasClock)));
      long id = behind.enqueue(new Noop(1)).id();
      await().until(() -> started.getCount() == 0);
      clock.advance(Duration.ofSeconds(15));
      return id;
    }

    @Test
    void aNodeBehindWhoseHeartbeatLagsHalfALeaseKeepsItsJob() {
      long id = lagHalfALeaseBehind(true);

      awaitRescuePassesAt(START.plusSeconds(15));
      assertStillRunsItsFirstAttempt(id);
    }

    @Test
    void withoutTheStoresClockTheLaggingHeartbeatOfANodeBehindLosesItsJob() {
      long id = lagHalfALeaseBehind(false);

      // Its lease ran 30 s from a clock 20 s behind: 10 s of store time, now past.
      awaitRescued(id);
    }

    @Test
    void aHeartbeatThatLagsPastTheLeaseStopsTheAttemptItLostAndTheJobRunsOnceAtATime()
        throws Exception {
      AtomicInteger running = new AtomicInteger();
      AtomicInteger mostAtOnce = new AtomicInteger();
      CountDownLatch interrupted = new CountDownLatch(1);
      Errand leader = idle("leader", Duration.ZERO, true);
      await().until(leader::isLeader);
      Errand holder =
          start(
              lagging(storeWithClock),
              c ->
                  c.nodeId("holder")
                      .queue("default", 1)
                      .worker(
                          "noop",
                          Noop.class,
                          job -> {
                            mostAtOnce.accumulateAndGet(running.incrementAndGet(), Math::max);
                            try {
                              if (job.attempt() == 1) {
                                started.countDown();
                                release.await(1, TimeUnit.MINUTES);
                              }
                              return Outcome.complete();
                            } catch (InterruptedException e) {
                              interrupted.countDown();
                              throw e;
                            } finally {
                              running.decrementAndGet();
                            }
                          }));
      long id = holder.enqueue(new Noop(1)).id();
      await().until(() -> started.getCount() == 0);

      clock.advance(Duration.ofSeconds(31));
      awaitRescued(id);
      // The rescued job waits: the holder's one slot is still taken by the attempt it lost.
      assertThat(job(id).attempt()).isEqualTo(1);
      heartbeatsLag.countDown();

      // The late heartbeat learns that the lease is gone: the attempt is stopped, its result
      // refused, and the job runs again, after it.
      assertThat(interrupted.await(30, TimeUnit.SECONDS)).isTrue();
      await().until(() -> state(id) == JobState.COMPLETED);
      assertThat(job(id).attempt()).isEqualTo(2);
      assertThat(job(id).errors())
          .extracting(AttemptError::errorClass)
          .containsExactly("lease_expired");
      assertThat(mostAtOnce).hasValue(1);
    }
  }
}
