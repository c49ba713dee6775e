package dev.errand.server;

import java.util.Map;

class RedisDemoTest extends DemoTest {
  private final String prefix = TestRedis.newPrefix("demo");

  @Override
  protected Map<String, String> storeFlags() {
    return Map.of(Settings.STORE, "redis", Settings.URL, TestRedis.url(), Settings.PREFIX, prefix);
  }

  @Override
  protected void dropStore() {
    TestRedis.dropPrefix(prefix);
  }
}
