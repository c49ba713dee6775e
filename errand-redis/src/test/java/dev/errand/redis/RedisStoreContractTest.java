package dev.errand.redis;

import dev.errand.contract.StoreContract;
import dev.errand.spi.Store;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;

/** The store contract on Redis, each store under a key prefix of its own, dropped after. */
class RedisStoreContractTest extends StoreContract {
  private final List<String> prefixes = new CopyOnWriteArrayList<>();

  @Override
  protected Store createStore() {
    String prefix = "errand-test-" + UUID.randomUUID();
    prefixes.add(prefix);
    return RedisStore.builder(TestRedis.url()).prefix(prefix).build();
  }

  @AfterEach
  void dropKeys() {
    prefixes.forEach(TestRedis::dropPrefix);
  }
}
