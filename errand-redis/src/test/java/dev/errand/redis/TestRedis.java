package dev.errand.redis;

import java.util.List;
import redis.clients.jedis.RedisClient;
import redis.clients.jedis.params.ScanParams;
import redis.clients.jedis.resps.ScanResult;

/**
 * The Redis server the tests use: {@code ERRAND_TEST_REDIS_URL}, else the local one on 6379 (the
 * test script starts it when it is down).
 */
final class TestRedis {
  private TestRedis() {}

  static String url() {
    String url = System.getenv("ERRAND_TEST_REDIS_URL");
    return url == null || url.isBlank() ? "redis://127.0.0.1:6379" : url;
  }

  /** Deletes every key under {@code prefix:}. */
  static void dropPrefix(String prefix) {
    try (RedisClient redis = RedisClient.create(java.net.URI.create(url()))) {
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
