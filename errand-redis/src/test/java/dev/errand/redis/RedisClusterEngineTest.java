package dev.errand.redis;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.errand.Config;
import dev.errand.Errand;
import dev.errand.JobArgs;
import dev.errand.JobState;
import dev.errand.Outcome;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.LongStream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import redis.clients.jedis.Connection;
import redis.clients.jedis.RedisClusterClient;
import redis.clients.jedis.util.JedisClusterCRC16;

/**
 * Errand end to end on a Redis Cluster of three masters: nodes share a store, wake each other by
 * pub/sub across the cluster's nodes, and stores on different masters work side by side.
 */
class RedisClusterEngineTest {
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

  private static TestRedisCluster cluster;

  private final List<RedisStore> stores = new ArrayList<>();
  private final List<Errand> nodes = new ArrayList<>();
  private final Map<String, AtomicInteger> runs = new ConcurrentHashMap<>();
  private final Set<String> receipts = ConcurrentHashMap.newKeySet();

  @BeforeAll
  static void startCluster() {
    cluster = new TestRedisCluster();
  }

  @AfterAll
  static void stopCluster() {
    if (cluster != null) {
      cluster.close();
    }
  }

  @AfterEach
  void stop() {
    nodes.forEach(node -> node.stop(Duration.ofSeconds(5)));
    stores.forEach(RedisStore::close);
  }

  private Errand start(String prefix, String node, Duration pollInterval) {
    RedisStore store = RedisStore.builder(cluster.url()).prefix(prefix).build();
    stores.add(store);
    Errand errand =
        Errand.create(
                Config.builder(store)
                    .nodeId(node)
                    .queue("default", 8)
                    .pollInterval(pollInterval)
                    .worker(
                        "order_placed",
                        Order.class,
                        job -> {
                          runs.computeIfAbsent(
                                  prefix + "/" + job.args().orderId(), id -> new AtomicInteger())
                              .incrementAndGet();
                          job.enqueueOnCompletion(new Receipt(job.args().orderId()));
                          return Outcome.complete();
                        })
                    .worker(
                        "send_receipt",
                        Receipt.class,
                        job -> {
                          receipts.add(prefix + "/" + job.args().orderId());
                          return Outcome.complete();
                        })
                    .build())
            .start();
    nodes.add(errand);
    return errand;
  }

  @Test
  void twoNodesOnTwoStoresOnTwoMastersRunEveryJobOnce() {
    // Two prefixes whose slots two different masters serve.
    String first = "errand-test-" + UUID.randomUUID();
    String second;
    do {
      second = "errand-test-" + UUID.randomUUID();
    } while (master(second).equals(master(first)));
    Errand a = start(first, "a", Duration.ofSeconds(1));
    start(first, "b", Duration.ofSeconds(1));
    Errand c = start(second, "c", Duration.ofSeconds(1));

    a.enqueueAll(LongStream.range(0, 1_000).mapToObj(Order::new).toList());
    c.enqueueAll(LongStream.range(0, 1_000).mapToObj(Order::new).toList());

    await().atMost(Duration.ofSeconds(60)).until(() -> receipts.size() == 2_000);
    assertThat(runs).hasSize(2_000);
    assertThat(runs.values()).allSatisfy(n -> assertThat(n).hasValue(1));
    for (RedisStore store : List.of(stores.get(0), stores.get(2))) {
      await()
          .until(
              () ->
                  store.queueList().stream().mapToLong(q -> q.count(JobState.COMPLETED)).sum()
                      == 2_000);
    }
  }

  @Test
  void aJobEnqueuedOnAnotherNodeOfTheClusterWakesAnIdleNode() {
    String prefix = "errand-test-" + UUID.randomUUID();
    // Ten minutes between polls: only the published announcement can start the job in time.
    start(prefix, "idle", Duration.ofMinutes(10));
    RedisStore client = RedisStore.builder(cluster.url()).prefix(prefix).build();
    stores.add(client);

    Errand.create(Config.builder(client).build()).enqueue(new Order(7));

    await().atMost(Duration.ofSeconds(10)).until(() -> receipts.contains(prefix + "/7"));
  }

  /** The address of the master that serves the slot of {@code prefix}'s keys. */
  private static String master(String prefix) {
    int slot = JedisClusterCRC16.getSlot("{" + prefix + "}");
    try (RedisClusterClient client = RedisClusterClient.create(cluster.seed());
        Connection connection = client.getConnectionFromSlot(slot)) {
      return connection.getHostAndPort().toString();
    }
  }
}
