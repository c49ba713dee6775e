package dev.errand.redis;

import static org.assertj.core.api.Assertions.assertThat;

import dev.errand.contract.StoreContract;
import dev.errand.spi.JobInsertManyParams;
import dev.errand.spi.NewJob;
import dev.errand.spi.Store;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import redis.clients.jedis.Connection;
import redis.clients.jedis.ConnectionPool;
import redis.clients.jedis.Jedis;
import redis.clients.jedis.RedisClusterClient;
import redis.clients.jedis.util.JedisClusterCRC16;

/**
 * The store contract on a Redis Cluster of three masters, in the cluster layout: each store's keys
 * under a hash tag of its own, so every script runs on the node of that one slot. The stores' slots
 * spread over the masters, so the suite runs on all three.
 */
class RedisClusterStoreContractTest extends StoreContract {
  private static TestRedisCluster cluster;

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

  @Override
  protected Store createStore() {
    // The keys go with the cluster, stopped after the class.
    return RedisStore.builder(cluster.url()).prefix("errand-test-" + UUID.randomUUID()).build();
  }

  @Test
  void everyKeyOfAStoreIsInItsOneSlot() {
    String prefix = "errand-test-" + UUID.randomUUID();
    try (RedisStore store = RedisStore.builder(cluster.url()).prefix(prefix).build();
        RedisClusterClient client = RedisClusterClient.create(cluster.seed())) {
      store.jobInsertMany(
          new JobInsertManyParams(
              List.of(
                  new NewJob("k", "a", "{}", 0, Instant.EPOCH, 3, List.of(), Map.of()),
                  new NewJob("k", "b", "{}", 1, Instant.EPOCH, 3, List.of(), Map.of())),
              Instant.EPOCH));

      int slot = JedisClusterCRC16.getSlot("{" + prefix + "}");
      List<String> keys = new ArrayList<>();
      for (ConnectionPool node : client.getClusterNodes().values()) {
        try (Connection c = node.getResource()) {
          keys.addAll(new Jedis(c).keys("*" + prefix + "*"));
        }
      }
      assertThat(keys)
          .contains("{" + prefix + "}:queue:a", "{" + prefix + "}:errand:queue:b:1")
          .allSatisfy(
              key -> {
                assertThat(key).startsWith("{" + prefix + "}:");
                assertThat(JedisClusterCRC16.getSlot(key)).isEqualTo(slot);
              });
    }
  }
}
