package dev.errand.redis;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.errand.Config;
import dev.errand.Errand;
import dev.errand.JobArgs;
import dev.errand.JobState;
import dev.errand.Outcome;
import dev.errand.Stores;
import dev.errand.spi.Store;
import java.time.Duration;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.IntStream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Moving off Redis: a node on a new store drains the jobs left in Redis with the same workers,
 * while the jobs it enqueues go to the new store; each runs once, and Redis reports drained.
 */
class RedisDrainTest {
  record Report(int n) implements JobArgs {
    @Override
    public String kind() {
      return "report";
    }
  }

  private final String prefix = "errand-test-" + UUID.randomUUID();
  private final RedisStore redis = RedisStore.builder(TestRedis.url()).prefix(prefix).build();
  private final Store next = Stores.inMemory();
  private final Map<Integer, AtomicInteger> runs = new ConcurrentHashMap<>();
  private Errand node;

  @AfterEach
  void tearDown() {
    if (node != null) {
      node.stop(Duration.ofSeconds(5));
    }
    next.close();
    redis.close();
    TestRedis.dropPrefix(prefix);
  }

  private Config.Builder config(Store store) {
    return Config.builder(store)
        .queue("default", 8)
        .worker(
            "report",
            Report.class,
            job -> {
              runs.computeIfAbsent(job.args().n(), n -> new AtomicInteger()).incrementAndGet();
              return Outcome.complete();
            });
  }

  @Test
  void everyJobLeftInRedisRunsOnceBesideTheNewStoresAndRedisReportsDrained() {
    Errand.create(config(redis).build())
        .enqueueAll(IntStream.range(0, 500).mapToObj(Report::new).toList());

    node = Errand.create(config(next).drainFrom(redis).build()).start();
    node.enqueueAll(IntStream.range(1_000, 1_200).mapToObj(Report::new).toList());

    await().atMost(Duration.ofSeconds(60)).until(() -> node.isDrained() && runs.size() == 700);
    assertThat(runs.values()).allSatisfy(count -> assertThat(count).hasValue(1));
    assertThat(redis.queueList())
        .singleElement()
        .satisfies(q -> assertThat(q.counts()).isEqualTo(Map.of(JobState.COMPLETED, 500L)));
    await()
        .until(
            () ->
                next.queueList().stream().mapToLong(q -> q.count(JobState.COMPLETED)).sum() == 200);
  }
}
