package dev.errand;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.function.Consumer;
import org.junit.jupiter.api.Test;

class PeriodicJobTest extends EngineHarness {
  record Tick() implements JobArgs {
    @Override
    public String kind() {
      return "tick";
    }
  }

  private static final Instant START = Instant.parse("2030-01-01T00:00:00Z");

  private Consumer<Config.Builder> ticking(PeriodicJob periodic) {
    return c ->
        c.queue("default", 2)
            .worker("tick", Tick.class, job -> Outcome.complete())
            .periodic(periodic);
  }

  private List<Instant> tickSlots() {
    return store.jobList(JobQuery.all().withLimit(1_000)).stream()
        .filter(j -> j.kind().equals("tick"))
        .map(JobInfo::scheduledAt)
        .sorted()
        .toList();
  }

  @Test
  void theLeaderEnqueuesEachSlotAsItComesAndTheJobRuns() {
    Errand node = start(ticking(PeriodicJob.of(Schedule.every(Duration.ofMinutes(1)), new Tick())));
    await().until(node::isLeader);

    await().until(() -> tickSlots().equals(List.of(START)));
    clock.advance(Duration.ofSeconds(59));
    clock.advance(Duration.ofSeconds(1));
    await().until(() -> tickSlots().equals(List.of(START, START.plusSeconds(60))));

    await()
        .until(
            () ->
                store.jobList(JobQuery.all()).stream()
                    .allMatch(j -> j.state() == JobState.COMPLETED));
  }

  @Test
  void slotsMissedDuringDowntimeAreSkipped() {
    PeriodicJob everyMinute = PeriodicJob.of(Schedule.every(Duration.ofMinutes(1)), new Tick());
    Errand first = start(ticking(everyMinute));
    await().until(() -> tickSlots().equals(List.of(START)));
    first.stop(Duration.ofSeconds(5));

    clock.advance(Duration.ofMinutes(10).plusSeconds(5));
    start(ticking(everyMinute));

    // Only the slot that is due now, not the nine missed while no node ran.
    await().until(() -> tickSlots().equals(List.of(START, START.plusSeconds(600))));
  }

  @Test
  void catchUpEnqueuesTheSlotsMissedWithinItsWindow() {
    PeriodicJob everyMinute =
        PeriodicJob.of(Schedule.every(Duration.ofMinutes(1)), new Tick())
            .catchUp(Duration.ofMinutes(5));
    Errand first = start(ticking(everyMinute));
    // A leader cannot tell a first start from a restart: it catches up on the window, too.
    List<Instant> firstSlots =
        List.of(
            START.minusSeconds(240),
            START.minusSeconds(180),
            START.minusSeconds(120),
            START.minusSeconds(60),
            START);
    await().until(() -> tickSlots().equals(firstSlots));
    first.stop(Duration.ofSeconds(5));

    clock.advance(Duration.ofMinutes(10).plusSeconds(5));
    start(ticking(everyMinute));

    // The window reaches back five minutes: slots 6 to 10 come; 1 to 5 are older than it.
    List<Instant> expected = new java.util.ArrayList<>(firstSlots);
    for (int minute = 6; minute <= 10; minute++) {
      expected.add(START.plusSeconds(60L * minute));
    }
    await().until(() -> tickSlots().equals(expected));
  }

  @Test
  void aNodeThatDoesNotLeadEnqueuesNothing() {
    // Another node holds the leadership and never acts.
    assertThat(
            store.leaderElect(
                new dev.errand.spi.LeaderElectParams(
                    "maintenance", "other-node", clock.instant(), clock.instant().plusSeconds(15))))
        .isTrue();
    Errand node = start(ticking(PeriodicJob.of(Schedule.every(Duration.ofMinutes(1)), new Tick())));

    await()
        .during(Duration.ofMillis(300))
        .atMost(Duration.ofSeconds(5))
        .until(() -> !node.isLeader() && tickSlots().isEmpty());
  }

  @Test
  void aStoppingNodeHandsOverTheScheduleBeforeItsRunningJobsDrain() throws Exception {
    CountDownLatch release = new CountDownLatch(1);
    Errand node =
        start(
            ticking(PeriodicJob.of(Schedule.every(Duration.ofMinutes(1)), new Tick()))
                .andThen(
                    c ->
                        c.worker(
                            "step",
                            TestArgs.Step.class,
                            job -> {
                              release.await();
                              return Outcome.complete();
                            })));
    await().until(node::isLeader);
    long slow = node.enqueue(new TestArgs.Step("slow")).id();
    await().until(() -> state(slow) == JobState.RUNNING);

    Thread stopping = Thread.ofVirtual().start(() -> node.stop(Duration.ofSeconds(30)));
    // Slots that come due during the drain are another node's to enqueue and work, not left
    // available behind producers that no longer fetch.
    await().until(() -> !node.isLeader());
    assertThat(state(slow)).isEqualTo(JobState.RUNNING);
    release.countDown();
    stopping.join();
    assertThat(state(slow)).isEqualTo(JobState.COMPLETED);
  }

  @Test
  void cronListsTheSchedulesWithTheirNextRun() {
    Errand node =
        Errand.create(
            config()
                .periodic(
                    PeriodicJob.of(
                            Schedule.cron("0 3 * * *", java.time.ZoneId.of("Europe/Paris")),
                            new Tick())
                        .named("nightly")
                        .options(EnqueueOptions.defaults().queue("reports")))
                .periodic(
                    PeriodicJob.of(Schedule.every(Duration.ofMinutes(15)), new Tick())
                        .catchUp(Duration.ofHours(1)))
                .build());

    assertThat(node.cron())
        .containsExactly(
            new PeriodicJobInfo(
                "nightly",
                "tick",
                "reports",
                "0 3 * * * (Europe/Paris)",
                Instant.parse("2030-01-01T02:00:00Z"),
                false),
            new PeriodicJobInfo(
                "tick", "tick", "default", "every 15m", START.plusSeconds(900), true));
  }

  @Test
  void badPeriodicJobsAreRejectedWithTheirProblem() {
    PeriodicJob hourly = PeriodicJob.of(Schedule.cron("@hourly"), new Tick());
    assertThatThrownBy(() -> config().periodic(hourly).periodic(hourly))
        .isInstanceOf(InvalidConfigException.class)
        .hasMessageContaining("'tick' is declared twice");
    assertThatThrownBy(() -> hourly.options(EnqueueOptions.defaults().runIn(Duration.ofMinutes(1))))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("must not set runAt or runIn");
    assertThatThrownBy(() -> hourly.named("no spaces"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("periodic job name must be");
    assertThatThrownBy(
            () ->
                config()
                    .completedRetention(Duration.ofHours(1))
                    .periodic(hourly.catchUp(Duration.ofHours(2)))
                    .build())
        .isInstanceOf(InvalidConfigException.class)
        .hasMessageContaining("longer than completedRetention");
    assertThatThrownBy(
            () ->
                config()
                    .leaderLease(Duration.ofMinutes(1))
                    .periodicGrace(Duration.ofMinutes(1))
                    .build())
        .isInstanceOf(InvalidConfigException.class)
        .hasMessageContaining("periodicGrace must be at least two leader leases");
  }
}
