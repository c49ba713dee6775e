package dev.errand.server;

import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;

class PostgresDemoTest extends DemoTest {
  private final String schema =
      "demo_" + Long.toString(ThreadLocalRandom.current().nextLong() & Long.MAX_VALUE, 36);

  @Override
  protected Map<String, String> storeFlags() {
    return Map.of(
        Settings.STORE, "postgres", Settings.URL, TestPostgres.URL, Settings.SCHEMA, schema);
  }

  @Override
  protected void dropStore() {
    TestPostgres.dropSchema(schema);
  }
}
