package dev.errand.redis;

import static org.assertj.core.api.Assertions.assertThat;
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
import dev.errand.Schedule;
import dev.errand.spi.JobFetchParams;
import dev.errand.spi.JobInsertManyParams;
import dev.errand.spi.NewJob;
import dev.errand.spi.Store;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Proxy;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;
import java.util.stream.IntStream;
import java.util.stream.LongStream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import redis.clients.jedis.RedisClient;

/** Errand end to end on Redis: real workers, several nodes on one server, wake-ups by pub/sub. */
class RedisEngineTest {
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

  private final String prefix = "errand-test-" + UUID.randomUUID();
  private final List<RedisStore> stores = new ArrayList<>();
  private final List<Errand> nodes = new ArrayList<>();
  private final Map<Long, AtomicInteger> runs = new ConcurrentHashMap<>();
  private final Set<Long> receiptsSent = ConcurrentHashMap.newKeySet();

  @AfterEach
  void stop() {
    nodes.forEach(node -> node.stop(Duration.ofSeconds(5)));
    stores.forEach(RedisStore::close);
    TestRedis.dropPrefix(prefix);
  }

  /** A store of its own on the test's keys, as another process would open it. */
  private RedisStore store() {
    RedisStore store = RedisStore.builder(TestRedis.url()).prefix(prefix).build();
    stores.add(store);
    return store;
  }

  private Config.Builder config(Store store) {
    return Config.builder(store)
        .queue("default", 8)
        .rescueInterval(Duration.ofMillis(50))
        .stageInterval(Duration.ofMillis(50))
        .leaderLease(Duration.ofMillis(500))
        .worker(
            "order_placed",
            Order.class,
            job -> {
              runs.computeIfAbsent(job.args().orderId(), id -> new AtomicInteger())
                  .incrementAndGet();
              job.enqueueOnCompletion(new Receipt(job.args().orderId()));
              return Outcome.complete();
            })
        .worker(
            "send_receipt",
            Receipt.class,
            job -> {
              receiptsSent.add(job.args().orderId());
              return Outcome.complete();
            });
  }

  private Errand start(Consumer<Config.Builder> customize) {
    Config.Builder config = config(store());
    customize.accept(config);
    Errand node = Errand.create(config.build()).start();
    nodes.add(node);
    return node;
  }

  @Test
  void twoNodesRunEveryJobOnceAndItsFollowUp() {
    Errand first = start(c -> c.nodeId("first"));
    start(c -> c.nodeId("second"));

    first.enqueueAll(LongStream.range(0, 2_000).mapToObj(Order::new).toList());

    await().atMost(Duration.ofSeconds(60)).until(() -> receiptsSent.size() == 2_000);
    assertThat(runs).hasSize(2_000);
    assertThat(runs.values()).allSatisfy(n -> assertThat(n).hasValue(1));
    RedisStore store = stores.get(0);
    await()
        .until(
            () ->
                store.queueList().stream().mapToLong(q -> q.count(JobState.COMPLETED)).sum()
                    == 4_000);
  }

  @Test
  void aJobEnqueuedElsewhereWakesAnIdleNodeAtOnce() {
    // Ten minutes between polls: only the store's announcement can start the job in time.
    AtomicInteger fetches = new AtomicInteger();
    Config.Builder config = config(countingFetches(store(), fetches));
    nodes.add(Errand.create(config.pollInterval(Duration.ofMinutes(10)).build()).start());
    // Its first fetch, at start, found nothing: the next one is the announcement's.
    await().until(() -> fetches.get() >= 1);
    Errand client = Errand.create(config(store()).build());

    long id = client.enqueue(new Order(1)).id();

    await().atMost(Duration.ofSeconds(10)).until(() -> receiptsSent.contains(1L));
    assertThat(stores.get(0).jobGet(id).orElseThrow().state()).isEqualTo(JobState.COMPLETED);
  }

  /** {@code store}, counting its fetches in {@code fetches}. */
  private static Store countingFetches(Store store, AtomicInteger fetches) {
    return (Store)
        Proxy.newProxyInstance(
            Store.class.getClassLoader(),
            new Class<?>[] {Store.class},
            (proxy, method, args) -> {
              try {
                return method.invoke(store, args);
              } catch (InvocationTargetException e) {
                throw e.getCause();
              } finally {
                if (method.getName().equals("jobFetch")) {
                  fetches.incrementAndGet();
                }
              }
            });
  }

  record SignInEmail(long account, String email) implements JobArgs {
    @Override
    public String kind() {
      return "SignInEmail";
    }
  }

  @Test
  void aJobPushedBySidekiqsClientIsWorkedByTheWorkerOfItsClassWithItsArgsInOrder() {
    List<SignInEmail> worked = new java.util.concurrent.CopyOnWriteArrayList<>();
    start(
        c ->
            c.worker(
                "SignInEmail",
                SignInEmail.class,
                job -> {
                  worked.add(job.args());
                  return Outcome.complete();
                }));

    // As Sidekiq::Client.push writes it, then wakes nobody: the node finds it when it polls.
    try (RedisClient redis = RedisClient.create(java.net.URI.create(TestRedis.url()))) {
      redis.sadd(prefix + ":queues", "default");
      redis.lpush(
          prefix + ":queue:default",
          "{\"retry\":true,\"queue\":\"default\",\"class\":\"SignInEmail\","
              + "\"args\":[42,\"a@example.com\"],\"jid\":\"be33eaf7433122fd53d0025f\","
              + "\"created_at\":1796622492.686252,\"enqueued_at\":1796622492.6865022}");
    }

    await().atMost(Duration.ofSeconds(30)).until(() -> !worked.isEmpty());
    assertThat(worked).containsExactly(new SignInEmail(42, "a@example.com"));
  }

  @Test
  void aJobLeftRunningByANodeThatDiedIsRescuedAndRunAgain() {
    RedisStore dead = store();
    Instant now = Instant.now();
    long id =
        dead.jobInsertMany(
                new JobInsertManyParams(
                    List.of(
                        new NewJob(
                            "order_placed",
                            "default",
                            "{\"orderId\":7}",
                            0,
                            now,
                            3,
                            List.of(),
                            Map.of())),
                    now))
            .get(0)
            .id();
    assertThat(
            dead.jobFetch(new JobFetchParams("default", 1, "dead-node", now, now.plusMillis(300))))
        .hasSize(1);

    start(c -> {});

    await().atMost(Duration.ofSeconds(30)).until(() -> receiptsSent.contains(7L));
    JobInfo job = dead.jobGet(id).orElseThrow();
    assertThat(job.state()).isEqualTo(JobState.COMPLETED);
    assertThat(job.attempt()).isEqualTo(2);
    assertThat(job.errors())
        .singleElement()
        .satisfies(e -> assertThat(e.message()).contains("dead-node"));
  }

  @Test
  void periodicJobsRunOncePerSlotAcrossNodes() {
    PeriodicJob everySecond = PeriodicJob.of(Schedule.every(Duration.ofSeconds(1)), new Order(0));
    start(c -> c.periodic(everySecond));
    start(c -> c.periodic(everySecond));

    RedisStore store = stores.get(0);
    await()
        .atMost(Duration.ofSeconds(30))
        .until(
            () ->
                store
                        .jobList(
                            JobQuery.all().withKind("order_placed").withStates(JobState.COMPLETED))
                        .size()
                    >= 3);
    assertThat(store.jobList(JobQuery.all().withKind("order_placed")))
        .as("one job per slot")
        .extracting(JobInfo::scheduledAt)
        .doesNotHaveDuplicates();
  }

  @Test
  void aBatchCallbackRunsOnceAfterEveryMemberWithTheirCounts() {
    Set<Integer> tickets = ConcurrentHashMap.newKeySet();
    // What the callback saw when it ran: how many tickets existed, and its members' counts.
    List<Map.Entry<Integer, DependencyCounts>> callbackSaw =
        new java.util.concurrent.CopyOnWriteArrayList<>();
    Errand node =
        start(
            c ->
                c.worker(
                        "generate_ticket",
                        GenerateTicket.class,
                        job -> {
                          tickets.add(job.args().order());
                          return Outcome.complete();
                        })
                    .worker(
                        "send_tickets",
                        SendTickets.class,
                        job -> {
                          callbackSaw.add(Map.entry(tickets.size(), job.dependencies()));
                          return Outcome.complete();
                        }));

    BatchEnqueued batch =
        node.batch()
            .addAll(IntStream.range(0, 300).mapToObj(GenerateTicket::new).toList())
            .onFinish(new SendTickets("concert"))
            .enqueue();

    assertThat(batch.callback().state()).isEqualTo(JobState.PENDING);
    RedisStore store = stores.get(0);
    await()
        .atMost(Duration.ofSeconds(60))
        .until(() -> store.jobGet(batch.callbackId()).orElseThrow().state() == JobState.COMPLETED);
    assertThat(callbackSaw).containsExactly(Map.entry(300, new DependencyCounts(0, 300, 0, 0)));
  }
}
