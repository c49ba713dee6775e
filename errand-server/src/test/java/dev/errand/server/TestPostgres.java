package dev.errand.server;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import dev.errand.postgres.PostgresStore;
import java.io.Closeable;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.concurrent.ThreadLocalRandom;

/**
 * A fresh schema on the test PostgreSQL server ({@code ERRAND_TEST_PG_URL}, else the local server
 * that {@code ./run-tests} makes sure of), dropped on close.
 */
final class TestPostgres implements Closeable {
  static final String URL =
      System.getenv()
          .getOrDefault(
              "ERRAND_TEST_PG_URL", "jdbc:postgresql://127.0.0.1:5432/postgres?user=postgres");

  final String schema =
      "server_" + Long.toString(ThreadLocalRandom.current().nextLong() & Long.MAX_VALUE, 36);
  final HikariDataSource dataSource;
  final PostgresStore store;

  TestPostgres() {
    HikariConfig config = new HikariConfig();
    config.setJdbcUrl(URL);
    config.setMaximumPoolSize(8);
    config.setPoolName("errand-server-test");
    dataSource = new HikariDataSource(config);
    store = PostgresStore.builder(dataSource).schema(schema).build();
    store.migrate();
  }

  @Override
  public void close() {
    store.close();
    try {
      dropSchema(dataSource, schema);
    } finally {
      dataSource.close();
    }
  }

  /** Drops {@code schema} on the test server, for a test whose store had a pool of its own. */
  static void dropSchema(String schema) {
    try (HikariDataSource dataSource = new HikariDataSource()) {
      dataSource.setJdbcUrl(URL);
      dataSource.setMaximumPoolSize(1);
      dropSchema(dataSource, schema);
    }
  }

  private static void dropSchema(javax.sql.DataSource dataSource, String schema) {
    try (Connection c = dataSource.getConnection();
        Statement st = c.createStatement()) {
      st.execute("DROP SCHEMA IF EXISTS " + schema + " CASCADE");
    } catch (SQLException e) {
      throw new IllegalStateException("could not drop schema " + schema, e);
    }
  }
}
