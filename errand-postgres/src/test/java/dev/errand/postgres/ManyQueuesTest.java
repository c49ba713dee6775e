package dev.errand.postgres;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.zaxxer.hikari.HikariDataSource;
import dev.errand.Config;
import dev.errand.EnqueueOptions;
import dev.errand.EnqueueRequest;
import dev.errand.Errand;
import dev.errand.JobArgs;
import dev.errand.JobInfo;
import dev.errand.JobQuery;
import dev.errand.JobState;
import dev.errand.Outcome;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.IntStream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * A node working many more queues than its pool has connections: every queue's jobs run, woken by
 * the store's notifications alone (the poll is far longer than the test), each job once; and the
 * node's threads grow with its queues, not with its jobs.
 */
class ManyQueuesTest {
  private static final int QUEUES = 128;
  private static final int POOL = 8;
  private static final int JOBS_PER_QUEUE = 3;

  record Tick(int queue, int n) implements JobArgs {
    @Override
    public String kind() {
      return "tick";
    }
  }

  private final String schema = TestDatabase.newSchema("errand_many_queues");
  private final List<AutoCloseable> closeLast = new ArrayList<>();
  private final List<Errand> errands = new ArrayList<>();

  @AfterEach
  void tearDown() throws Exception {
    errands.forEach(e -> e.stop(Duration.ofSeconds(5)));
    for (AutoCloseable c : closeLast) {
      c.close();
    }
    TestDatabase.dropSchema(schema);
  }

  private static String queue(int i) {
    return "q%03d".formatted(i);
  }

  private PostgresStore store(boolean listen) {
    HikariDataSource pool = TestDatabase.newPool(TestDatabase.url(), POOL);
    PostgresStore store = PostgresStore.builder(pool).schema(schema).listen(listen).build();
    closeLast.add(0, pool);
    closeLast.add(0, store);
    return store;
  }

  @Test
  void everyOneOfManyQueuesIsWorkedThroughNotificationsOnASmallPool() {
    PostgresStore workerStore = store(true);
    workerStore.migrate();
    Map<String, Set<Integer>> workedByQueue = new ConcurrentHashMap<>();
    AtomicInteger runs = new AtomicInteger();
    Config.Builder config =
        Config.builder(workerStore)
            // Longer than the test: a queue's jobs are claimed only when a notification wakes it.
            .pollInterval(Duration.ofMinutes(10))
            .worker(
                "tick",
                Tick.class,
                job -> {
                  runs.incrementAndGet();
                  workedByQueue
                      .computeIfAbsent(job.queue(), q -> ConcurrentHashMap.newKeySet())
                      .add(job.args().n());
                  return Outcome.complete();
                });
    IntStream.range(0, QUEUES).forEach(i -> config.queue(queue(i), 2));
    Errand worker = Errand.create(config.build()).start();
    errands.add(worker);

    // Another node, an insert-only client on its own store: the worker hears of these jobs only
    // through the store's notifications, one per queue, fanned out to that queue's producer.
    Errand client = Errand.create(Config.builder(store(false)).build());
    errands.add(client);
    List<EnqueueRequest> batch = new ArrayList<>();
    for (int i = 0; i < QUEUES; i++) {
      for (int n = 0; n < JOBS_PER_QUEUE - 1; n++) {
        batch.add(new EnqueueRequest(new Tick(i, n), EnqueueOptions.defaults().queue(queue(i))));
      }
    }
    client.enqueueMany(batch);
    for (int i = 0; i < QUEUES; i++) {
      client.enqueue(new Tick(i, JOBS_PER_QUEUE - 1), EnqueueOptions.defaults().queue(queue(i)));
    }

    await().atMost(Duration.ofSeconds(60)).until(() -> runs.get() >= QUEUES * JOBS_PER_QUEUE);
    assertThat(workedByQueue).hasSize(QUEUES);
    workedByQueue.forEach(
        (queue, worked) ->
            assertThat(worked).as("jobs worked in " + queue).containsExactlyInAnyOrder(0, 1, 2));
    await()
        .atMost(Duration.ofSeconds(30))
        .until(
            () ->
                workerStore
                        .jobList(JobQuery.all().withStates(JobState.COMPLETED).withLimit(1000))
                        .size()
                    == QUEUES * JOBS_PER_QUEUE);
    assertThat(runs.get()).as("each job ran once").isEqualTo(QUEUES * JOBS_PER_QUEUE);
    assertThat(workerStore.jobList(JobQuery.all().withLimit(1000)))
        .extracting(JobInfo::attempt)
        .as("no claim or result failed for want of a connection")
        .containsOnly(1);
    // One loop thread a queue, whatever the number of its jobs: they ran on virtual threads.
    assertThat(platformThreadsNamed("errand-producer-q"))
        .hasSize(QUEUES)
        .doesNotHaveDuplicates()
        .containsAll(
            IntStream.range(0, QUEUES).mapToObj(i -> "errand-producer-" + queue(i)).toList());
  }

  private static List<String> platformThreadsNamed(String prefix) {
    return Thread.getAllStackTraces().keySet().stream()
        .filter(t -> !t.isVirtual() && t.isAlive() && t.getName().startsWith(prefix))
        .map(Thread::getName)
        .toList();
  }
}
