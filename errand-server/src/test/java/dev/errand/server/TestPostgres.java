package dev.errand.server;

import com.zaxxer.hikari.HikariDataSource;
import dev.errand.postgres.PostgresStore;
import dev.errand.postgres.TestDatabase;
import java.io.Closeable;

/**
 * A fresh schema on the test PostgreSQL server, dropped on close. The server is the one {@link
 * TestDatabase} finds for errand-postgres's tests: {@code ERRAND_TEST_PG_URL} (a URL, or {@code
 * embedded}), else the local server that {@code ./run-tests} makes sure of, else an embedded one.
 */
final class TestPostgres implements Closeable {
  final String schema = TestDatabase.newSchema("server");
  final HikariDataSource dataSource;
  final PostgresStore store;

  TestPostgres() {
    dataSource = TestDatabase.newPool(url(), 8);
    store = PostgresStore.builder(dataSource).schema(schema).build();
    store.migrate();
  }

  /** The JDBC URL of the test server, starting an embedded one if need be. */
  static String url() {
    return TestDatabase.url();
  }

  @Override
  public void close() {
    store.close();
    try {
      TestDatabase.dropSchema(dataSource, schema);
    } finally {
      dataSource.close();
    }
  }

  /** Drops {@code schema} on the test server, for a test whose store had a pool of its own. */
  static void dropSchema(String schema) {
    try (HikariDataSource dataSource = TestDatabase.newPool(url(), 1)) {
      TestDatabase.dropSchema(dataSource, schema);
    }
  }
}
