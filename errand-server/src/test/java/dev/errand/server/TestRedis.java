package dev.errand.server;

import dev.errand.redis.RedisStore;
import java.io.Closeable;
import java.net.URI;
import java.util.List;
import java.util.UUID;
import redis.clients.jedis.RedisClient;
import redis.clients.jedis.params.ScanParams;
import redis.clients.jedis.resps.ScanResult;

/**
 * A Redis store under a key prefix of its own, whose keys are deleted on close. The server is
 * errand-redis's tests' one: {@code ERRAND_TEST_REDIS_URL}, else the local one on 6379 (which
 * {@code ./run-tests} starts when it is down).
 */
final class TestRedis implements Closeable {
  final String prefix;
  final RedisStore store;

  TestRedis() {
    prefix = newPrefix("server");
    store = RedisStore.builder(url()).prefix(prefix).build();
  }

  /** The URL of the test server. */
  static String url() {
    String url = System.getenv("ERRAND_TEST_REDIS_URL");
    return url == null || url.isBlank() ? Stores.REDIS_URL : url;
  }

  /** A key prefix no other test uses: {@code errand-test-<use>-<random>}. */
  static String newPrefix(String use) {
    return "errand-test-" + use + "-" + UUID.randomUUID();
  }

  @Override
  public void close() {
    try {
      store.close();
    } finally {
      dropPrefix(prefix);
    }
  }

  /** Deletes every key under {@code prefix:}, for a test whose store was opened elsewhere. */
  static void dropPrefix(String prefix) {
    try (RedisClient redis = RedisClient.create(URI.create(url()))) {
      String cursor = ScanParams.SCAN_POINTER_START;
      ScanParams match = new ScanParams().match(prefix + ":*").count(1_000);
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
