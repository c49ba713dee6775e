package dev.errand.sqlite;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.errand.BatchEnqueued;
import dev.errand.Config;
import dev.errand.DependencyCounts;
import dev.errand.Errand;
import dev.errand.JobArgs;
import dev.errand.JobInfo;
import dev.errand.JobQuery;
import dev.errand.JobState;
import dev.errand.Outcome;
import dev.errand.PeriodicJob;
import dev.errand.QueueInfo;
import dev.errand.Schedule;
import dev.errand.StoreException;
import dev.errand.spi.JobFetchParams;
import dev.errand.spi.JobInsertManyParams;
import dev.errand.spi.NewJob;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.stream.IntStream;
import java.util.stream.LongStream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Errand end to end on a SQLite file: real workers, and restarts of the process that owns it. */
class SqliteEngineTest {
  record Order(long orderId) implements JobArgs {
    @Override
    public String kind() {
      return "order_placed";
    }
  }

  record Receipt(long orderId) implements JobArgs {
    @Override
    public String kind() {
      return "send_receipt";
    }
  }

  record Slow(long n) implements JobArgs {
    @Override
    public String kind() {
      return "slow";
    }
  }

  @TempDir Path dir;

  private final Set<Long> ordersWorked = ConcurrentHashMap.newKeySet();
  private final Set<Long> receiptsSent = ConcurrentHashMap.newKeySet();
  private final CountDownLatch slowStarted = new CountDownLatch(1);
  private final CountDownLatch slowMayFinish = new CountDownLatch(1);
  private SqliteStore store;
  private Errand errand;

  @AfterEach
  void stop() {
    if (errand != null) {
      errand.stop(Duration.ofSeconds(5));
    }
    if (store != null) {
      store.close();
    }
  }

  @Test
  void workersRunEveryJobAndItsFollowUps() {
    start(dir.resolve("orders.db"));

    errand.enqueueAll(LongStream.range(0, 500).mapToObj(Order::new).toList());

    await().atMost(Duration.ofSeconds(60)).until(() -> receiptsSent.size() == 500);
    assertThat(ordersWorked).hasSize(500);
    await().until(() -> count(JobState.COMPLETED) == 1_000);
  }

  @Test
  void closingTheErrandLeavesTheFileLockedUntilItsStoreIsClosed() throws Exception {
    Path file = dir.resolve("owned.db");
    start(file);
    long id = errand.enqueue(new Order(7)).id();
    await().until(() -> store.jobGet(id).orElseThrow().state() == JobState.COMPLETED);

    errand.close();
    // The store is its opener's: still open, and still holding the file.
    assertThat(store.jobGet(id)).isPresent();
    assertThatThrownBy(() -> SqliteStore.builder(file).build())
        .isInstanceOf(StoreException.class)
        .hasMessageContaining("already open");

    store.close();
    try (SqliteStore reopened = SqliteStore.builder(file).build()) {
      assertThat(reopened.jobGet(id).orElseThrow().state()).isEqualTo(JobState.COMPLETED);
    }
  }

  @Test
  void aJobLeftRunningByAProcessThatDiedIsRescuedAfterReopen() {
    Path file = dir.resolve("rescue.db");
    long id;
    try (SqliteStore dead = SqliteStore.builder(file).build()) {
      dead.migrate();
      Instant now = Instant.now();
      id =
          dead.jobInsertMany(
                  new JobInsertManyParams(
                      List.of(
                          new NewJob(
                              "order_placed",
                              "default",
                              "{\"orderId\":42}",
                              0,
                              now,
                              25,
                              List.of(),
                              Map.of())),
                      now))
              .get(0)
              .id();
      // The process claims it, then dies without a word: its lease is all that is left.
      assertThat(
              dead.jobFetch(
                  new JobFetchParams("default", 1, "dead-node", now, now.plusMillis(200))))
          .hasSize(1);
    }

    start(file);

    await().atMost(Duration.ofSeconds(30)).until(() -> receiptsSent.contains(42L));
    JobInfo job = store.jobGet(id).orElseThrow();
    assertThat(job.state()).isEqualTo(JobState.COMPLETED);
    assertThat(job.attempt()).isEqualTo(2);
    assertThat(job.errors())
        .singleElement()
        .satisfies(
            e -> {
              assertThat(e.errorClass()).isEqualTo("lease_expired");
              assertThat(e.message()).contains("dead-node");
            });
  }

  @Test
  void queuedJobsAPauseAndAJobStoppedMidRunSurviveARestart() throws Exception {
    Path file = dir.resolve("restart.db");
    start(file);
    long slow = errand.enqueue(new Slow(1)).id();
    slowStarted.await();
    errand.queues().pause("default");
    List<Long> orders =
        errand.enqueueAll(LongStream.range(0, 20).mapToObj(Order::new).toList()).stream()
            .map(e -> e.id())
            .toList();
    // The slow job does not finish in the drain period: stop interrupts it and hands it back
    // without using up the attempt.
    errand.stop(Duration.ofMillis(100));
    store.close();
    assertThat(ordersWorked).isEmpty();

    start(file);

    assertThat(store.queueList())
        .extracting(QueueInfo::name, QueueInfo::paused)
        .containsExactly(org.assertj.core.groups.Tuple.tuple("default", true));
    JobInfo released = store.jobGet(slow).orElseThrow();
    assertThat(released.state()).isEqualTo(JobState.AVAILABLE);
    assertThat(released.attempt()).isZero();
    slowMayFinish.countDown();
    errand.queues().resume("default");
    await().atMost(Duration.ofSeconds(30)).until(() -> receiptsSent.size() == 20);
    assertThat(orders)
        .allSatisfy(
            id -> assertThat(store.jobGet(id).orElseThrow().state()).isEqualTo(JobState.COMPLETED));
    await().until(() -> store.jobGet(slow).orElseThrow().state() == JobState.COMPLETED);
    assertThat(store.jobGet(slow).orElseThrow().attempt())
        .as("the stopped run did not count")
        .isEqualTo(1);
    assertThat(store.jobGet(slow).orElseThrow().errors()).isEmpty();
  }

  @Test
  void periodicJobsRunOncePerSlotOnSqlite() {
    Path file = dir.resolve("periodic.db");
    store = SqliteStore.builder(file).build();
    store.migrate();
    errand =
        Errand.create(
                Config.builder(store)
                    .queue("default", 2)
                    .leaderLease(Duration.ofMillis(500))
                    .worker("slow", Slow.class, job -> Outcome.complete())
                    .periodic(PeriodicJob.of(Schedule.every(Duration.ofSeconds(1)), new Slow(0)))
                    .build())
            .start();

    await()
        .atMost(Duration.ofSeconds(30))
        .until(
            () ->
                store.jobList(JobQuery.all().withStates(JobState.COMPLETED)).stream()
                        .map(JobInfo::scheduledAt)
                        .distinct()
                        .count()
                    >= 2);
    List<JobInfo> ticks = store.jobList(JobQuery.all().withKind("slow"));
    assertThat(ticks)
        .as("one job per slot")
        .extracting(JobInfo::scheduledAt)
        .doesNotHaveDuplicates();
  }

  record GenerateTicket(int order) implements JobArgs {
    @Override
    public String kind() {
      return "generate_ticket";
    }
  }

  record SendTickets(String event) implements JobArgs {
    @Override
    public String kind() {
      return "send_tickets";
    }
  }

  /** What the send_tickets worker saw when it ran. */
  record Sent(String event, Set<Integer> tickets, DependencyCounts counts) {}

  @Test
  void theTicketExample_theBatchCallbackRunsOnceAfterEveryTicketWithTheirCounts() {
    store = SqliteStore.builder(dir.resolve("tickets.db")).build();
    store.migrate();
    Map<Integer, String> tickets = new ConcurrentHashMap<>();
    List<Sent> sent = new CopyOnWriteArrayList<>();
    errand =
        Errand.create(
                Config.builder(store)
                    .queue("default", 8)
                    .worker(
                        "generate_ticket",
                        GenerateTicket.class,
                        job -> {
                          tickets.put(job.args().order(), "ticket-" + job.args().order());
                          return Outcome.complete();
                        })
                    .worker(
                        "send_tickets",
                        SendTickets.class,
                        job -> {
                          sent.add(
                              new Sent(
                                  job.args().event(),
                                  Set.copyOf(tickets.keySet()),
                                  job.dependencies()));
                          return Outcome.complete();
                        })
                    .build())
            .start();
    int orders = 300;

    BatchEnqueued batch =
        errand
            .batch()
            .addAll(IntStream.range(0, orders).mapToObj(GenerateTicket::new).toList())
            .onFinish(new SendTickets("concert"))
            .enqueue();

    assertThat(batch.members()).hasSize(orders);
    assertThat(batch.callback().state()).isEqualTo(JobState.PENDING);
    await()
        .atMost(Duration.ofSeconds(60))
        .until(() -> store.jobGet(batch.callbackId()).orElseThrow().state() == JobState.COMPLETED);
    Set<Integer> all = Set.copyOf(IntStream.range(0, orders).boxed().toList());
    assertThat(sent)
        .as("sent once, after every ticket existed, with the members' counts")
        .containsExactly(new Sent("concert", all, new DependencyCounts(0, orders, 0, 0)));
    assertThat(store.jobGet(batch.callbackId()).orElseThrow().dependencies())
        .isEqualTo(new DependencyCounts(0, orders, 0, 0));
  }

  private void start(Path file) {
    store = SqliteStore.builder(file).build();
    store.migrate();
    errand =
        Errand.create(
                Config.builder(store)
                    .queue("default", 8)
                    .rescueInterval(Duration.ofMillis(50))
                    .stageInterval(Duration.ofMillis(50))
                    .leaderLease(Duration.ofMillis(500))
                    .worker(
                        "order_placed",
                        Order.class,
                        job -> {
                          ordersWorked.add(job.args().orderId());
                          job.enqueueOnCompletion(new Receipt(job.args().orderId()));
                          return Outcome.complete();
                        })
                    .worker(
                        "send_receipt",
                        Receipt.class,
                        job -> {
                          receiptsSent.add(job.args().orderId());
                          return Outcome.complete();
                        })
                    .worker(
                        "slow",
                        Slow.class,
                        job -> {
                          slowStarted.countDown();
                          slowMayFinish.await();
                          return Outcome.complete();
                        })
                    .build())
            .start();
  }

  private long count(JobState state) {
    return store.queueList().stream().mapToLong(q -> q.count(state)).sum();
  }
}
