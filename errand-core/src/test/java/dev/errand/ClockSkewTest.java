package dev.errand;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.errand.TestArgs.Noop;
import dev.errand.spi.JobRescueParams;
import dev.errand.spi.LeaderElectParams;
import dev.errand.spi.Store;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Nodes whose clocks disagree, on a store with a clock of its own: each node computes leases and
 * leadership terms in the store's time, so a node 60 s ahead neither rescues jobs that still run
 * elsewhere nor takes leadership from a leader whose term still runs. Each case also runs with the
 * store's clock hidden (as every node computed from its own clock before), where it goes wrong:
 * that is what the alignment prevents.
 */
class ClockSkewTest {
  private static final Duration AHEAD = Duration.ofSeconds(60);

  private final TestClock storeClock = new TestClock();
  private final Store memory = Stores.inMemory();
  private final StoreCalls calls = new StoreCalls();
  private final List<Errand> nodes = new ArrayList<>();
  private final CountDownLatch release = new CountDownLatch(1);
  private final CountDownLatch started = new CountDownLatch(1);

  @AfterEach
  void stop() throws Exception {
    release.countDown();
    nodes.forEach(n -> n.stop(Duration.ofSeconds(5)));
    memory.close();
  }

  /** The shared in-memory store, with the store's clock shown or hidden, its calls observed. */
  private Store store(boolean hasClock) {
    return calls.observe(
        StoreWithClock.of(
            memory, () -> hasClock ? Optional.of(storeClock.instant()) : Optional.empty()));
  }

  /** A node named {@code id} whose clock is {@code ahead} of the store's. */
  private Errand start(String id, Duration ahead, boolean hasClock, boolean works) {
    TestClock own = new TestClock();
    own.advance(ahead);
    Config.Builder config =
        Config.builder(store(hasClock))
            .nodeId(id)
            .clock(own)
            .pollInterval(Duration.ofMillis(50))
            .rescueInterval(Duration.ofMillis(20))
            .leaseDuration(Duration.ofSeconds(30))
            .heartbeatInterval(Duration.ofMillis(20))
            .leaderLease(Duration.ofMillis(300));
    if (works) {
      config
          .queue("default", 1)
          .worker(
              "noop",
              Noop.class,
              job -> {
                started.countDown();
                release.await(1, TimeUnit.MINUTES);
                return Outcome.complete();
              });
    }
    Errand node = Errand.create(config.build()).start();
    nodes.add(node);
    return node;
  }

  /** Waits for {@code count} calls of {@code method} that start after this is called. */
  private <P> void awaitCalls(int count, String method, Class<P> params, Predicate<P> matching) {
    for (int i = 0; i < count; i++) {
      calls.expect(method, params, matching).await();
    }
  }

  /** The leader, 60 s ahead, runs rescue passes while a job runs on the other node. */
  private long runAJobWhileALeaderAheadRescues(boolean hasClock) {
    Errand ahead = start("ahead", AHEAD, hasClock, false);
    await().until(ahead::isLeader);
    Errand worker = start("worker", Duration.ZERO, hasClock, true);
    long id = worker.enqueue(new Noop(1)).id();
    // Started, rather than seen running in the store: a rescue may already have taken it back.
    await().until(() -> started.getCount() == 0);
    return id;
  }

  @Test
  void aLeaderWhoseClockIsAheadRescuesNoJobThatStillRunsElsewhere() {
    long id = runAJobWhileALeaderAheadRescues(true);

    // Passes that started after the job was claimed, each judging its lease in the store's time.
    awaitCalls(5, "jobRescueExpired", JobRescueParams.class, p -> true);
    JobInfo job = memory.jobGet(id).orElseThrow();
    assertThat(job.state()).isEqualTo(JobState.RUNNING);
    assertThat(job.attempt()).isEqualTo(1);
    assertThat(job.errors()).isEmpty();
  }

  @Test
  void withoutTheStoresClockTheLeaderAheadRescuesAJobThatStillRuns() {
    long id = runAJobWhileALeaderAheadRescues(false);

    // Its lease, 30 s from the worker's clock, is 30 s past on the leader's.
    await().until(() -> !memory.jobGet(id).orElseThrow().errors().isEmpty());
    assertThat(memory.jobGet(id).orElseThrow().errors().get(0).errorClass())
        .isEqualTo("lease_expired");
  }

  @Test
  void aNodeWhoseClockIsAheadDoesNotTakeLeadershipFromALiveLeader() {
    Errand leader = start("leader", Duration.ZERO, true, false);
    await().until(leader::isLeader);
    Errand ahead = start("ahead", AHEAD, true, false);

    // Elections that the node ahead asked for, in the store's time: the term still runs.
    awaitCalls(3, "leaderElect", LeaderElectParams.class, p -> p.owner().equals("ahead"));
    assertThat(ahead.isLeader()).isFalse();
    assertThat(leader.isLeader()).isTrue();
  }

  @Test
  void withoutTheStoresClockANodeAheadTakesLeadershipFromALiveLeader() {
    Errand leader = start("leader", Duration.ZERO, false, false);
    await().until(leader::isLeader);
    Errand ahead = start("ahead", AHEAD, false, false);

    // The leader's term, 300 ms from its clock, is long past on the clock of the node ahead.
    await().until(ahead::isLeader);
  }
}
