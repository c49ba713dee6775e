package dev.errand.bench;

import dev.errand.redis.RedisStore;
import dev.errand.spi.Store;
import java.net.URI;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;
import redis.clients.jedis.RedisClient;
import redis.clients.jedis.params.ScanParams;
import redis.clients.jedis.resps.ScanResult;

/**
 * Redis, every key of a run under a prefix of its own, {@code errand-bench-<random>:}, deleted by
 * {@link #close()}, so runs never see each other's jobs and leave nothing behind.
 */
final class RedisBenchStore implements BenchStore {
  private final String url;
  private RedisStore store;
  private String prefix;

  RedisBenchStore(String url) {
    this.url = url;
  }

  @Override
  public String name() {
    return "redis";
  }

  @Override
  public Store open() {
    prefix =
        "errand-bench-"
            + Long.toString(ThreadLocalRandom.current().nextLong() & Long.MAX_VALUE, 36);
    store = RedisStore.builder(url).prefix(prefix).build();
    return store;
  }

  @Override
  public void close() {
    if (store != null) {
      store.close();
    }
    if (prefix == null) {
      return;
    }
    try (RedisClient redis = RedisClient.create(URI.create(url))) {
      ScanParams match = new ScanParams().match(prefix + ":*").count(1_000);
      String cursor = ScanParams.SCAN_POINTER_START;
      do {
        ScanResult<String> page = redis.scan(cursor, match);
        List<String> keys = page.getResult();
        if (!keys.isEmpty()) {
          redis.unlink(keys.toArray(String[]::new));
        }
        cursor = page.getCursor();
      } while (!cursor.equals(ScanParams.SCAN_POINTER_START));
    }
  }
}
