package dev.errand.bench;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import dev.errand.postgres.PostgresStore;
import dev.errand.spi.Store;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.concurrent.ThreadLocalRandom;

/**
 * PostgreSQL through a HikariCP pool at its defaults (10 connections), as an application would set
 * it up. Each run gets its own schema, {@code errand_bench_<random>}, created by {@link
 * PostgresStore#migrate()} and dropped by {@link #close()}, so runs never see each other's jobs and
 * leave nothing behind.
 */
final class PostgresBenchStore implements BenchStore {
  private final String jdbcUrl;
  private HikariDataSource pool;
  private PostgresStore store;
  private String schema;

  PostgresBenchStore(String jdbcUrl) {
    this.jdbcUrl = jdbcUrl;
  }

  @Override
  public String name() {
    return "postgres";
  }

  @Override
  public Store open() {
    HikariConfig config = new HikariConfig();
    config.setJdbcUrl(jdbcUrl);
    config.setPoolName("errand-bench");
    pool = new HikariDataSource(config);
    schema =
        "errand_bench_"
            + Long.toString(ThreadLocalRandom.current().nextLong() & Long.MAX_VALUE, 36);
    store = PostgresStore.builder(pool).schema(schema).build();
    store.migrate();
    return store;
  }

  /** Runs {@code sql} on the run's schema, written as {@code {schema}}: to shape a bench's data. */
  void execute(String sql) throws SQLException {
    try (Connection c = pool.getConnection();
        Statement st = c.createStatement()) {
      st.execute(sql.replace("{schema}", schema));
    }
  }

  @Override
  public void close() throws SQLException {
    try {
      if (store != null) {
        store.close();
      }
      if (pool != null && schema != null) {
        try (Connection c = pool.getConnection();
            Statement st = c.createStatement()) {
          st.execute("DROP SCHEMA IF EXISTS " + schema + " CASCADE");
        }
      }
    } finally {
      if (pool != null) {
        pool.close();
      }
    }
  }
}
