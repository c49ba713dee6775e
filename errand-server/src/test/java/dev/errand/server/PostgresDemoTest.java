package dev.errand.server;

import dev.errand.postgres.TestDatabase;
import java.util.Map;

class PostgresDemoTest extends DemoTest {
  private final String schema = TestDatabase.newSchema("demo");

  @Override
  protected Map<String, String> storeFlags() {
    return Map.of(
        Settings.STORE, "postgres", Settings.URL, TestPostgres.url(), Settings.SCHEMA, schema);
  }

  @Override
  protected void dropStore() {
    TestPostgres.dropSchema(schema);
  }
}
