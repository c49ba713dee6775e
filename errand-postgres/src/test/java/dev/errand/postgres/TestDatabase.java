package dev.errand.postgres;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.io.IOException;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.concurrent.ThreadLocalRandom;
import javax.sql.DataSource;

/**
 * The PostgreSQL server the tests run against: {@code ERRAND_TEST_PG_URL} when set (the value
 * {@code embedded} forces the embedded server), else the local server on 127.0.0.1:5432, else an
 * embedded server started from Maven Central's binaries. Never skips: without any server the tests
 * fail, loudly. Each caller gets its own schema, so test classes can run in parallel.
 *
 * <p>The one place that finds the server: this module's test jar holds this class alone, and
 * errand-server's PostgreSQL tests use it too.
 */
public final class TestDatabase {
  static final String URL_VARIABLE = "ERRAND_TEST_PG_URL";
  private static final String LOCAL_URL = "jdbc:postgresql://127.0.0.1:5432/postgres?user=postgres";

  private static String url;
  private static HikariDataSource pool;

  private TestDatabase() {}

  /** The JDBC URL of the server, starting an embedded one if need be. */
  public static synchronized String url() {
    if (url == null) {
      url = findServer();
    }
    return url;
  }

  /** A shared pool on the server. */
  static synchronized DataSource pool() {
    if (pool == null) {
      pool = newPool(url(), 16);
    }
    return pool;
  }

  // Tests compile into the module dev.errand.postgres, which exports this package: javac then
  // warns that HikariCP, a test dependency off the module path, is not visible to the module's
  // readers. Test code is no one's API.
  @SuppressWarnings("exports")
  public static HikariDataSource newPool(String jdbcUrl, int size) {
    return newPool(jdbcUrl, size, Duration.ofSeconds(30));
  }

  /**
   * A pool whose callers wait at most {@code connectionTimeout} for a connection. It must be set
   * here, before the pool starts: the started pool keeps the timeout it began with, and setting it
   * on the data source afterwards changes nothing.
   */
  @SuppressWarnings("exports")
  public static HikariDataSource newPool(String jdbcUrl, int size, Duration connectionTimeout) {
    HikariConfig config = new HikariConfig();
    config.setJdbcUrl(jdbcUrl);
    config.setMaximumPoolSize(size);
    config.setPoolName("errand-test");
    config.setConnectionTimeout(connectionTimeout.toMillis());
    return new HikariDataSource(config);
  }

  /** A new, unique schema name for one test. */
  public static String newSchema(String prefix) {
    return prefix
        + "_"
        + Long.toString(ThreadLocalRandom.current().nextLong() & Long.MAX_VALUE, 36);
  }

  static void dropSchema(String schema) {
    dropSchema(pool(), schema);
  }

  /** Drops {@code schema} and everything in it, if it exists, through {@code dataSource}. */
  public static void dropSchema(DataSource dataSource, String schema) {
    try (Connection c = dataSource.getConnection();
        Statement st = c.createStatement()) {
      st.execute("DROP SCHEMA IF EXISTS " + PostgresStore.checkSchema(schema) + " CASCADE");
    } catch (SQLException e) {
      throw new IllegalStateException("could not drop schema " + schema, e);
    }
  }

  private static String findServer() {
    String configured = System.getenv(URL_VARIABLE);
    if ("embedded".equals(configured)) {
      return startEmbedded("ERRAND_TEST_PG_URL=embedded");
    }
    if (configured != null && !configured.isBlank()) {
      check(configured, "the server named by " + URL_VARIABLE);
      return configured;
    }
    if (reachable(LOCAL_URL)) {
      return LOCAL_URL;
    }
    return startEmbedded("no PostgreSQL on 127.0.0.1:5432 and " + URL_VARIABLE + " unset");
  }

  private static String startEmbedded(String why) {
    System.err.println("Errand's PostgreSQL tests: " + why + "; starting an embedded PostgreSQL");
    try {
      EmbeddedPostgres embedded = EmbeddedPostgres.builder().start();
      Runtime.getRuntime().addShutdownHook(new Thread(() -> closeQuietly(embedded)));
      String embeddedUrl = embedded.getJdbcUrl("postgres", "postgres");
      check(embeddedUrl, "the embedded server");
      return embeddedUrl;
    } catch (IOException e) {
      throw new IllegalStateException("could not start an embedded PostgreSQL", e);
    }
  }

  private static boolean reachable(String jdbcUrl) {
    try (Connection c = DriverManager.getConnection(jdbcUrl)) {
      return c.isValid(2);
    } catch (SQLException e) {
      return false;
    }
  }

  private static void check(String jdbcUrl, String what) {
    try (Connection c = DriverManager.getConnection(jdbcUrl)) {
      c.isValid(2);
    } catch (SQLException e) {
      throw new IllegalStateException("cannot connect to " + what + " at " + jdbcUrl, e);
    }
  }

  private static void closeQuietly(EmbeddedPostgres embedded) {
    try {
      embedded.close();
    } catch (IOException e) {
      // shutting down anyway
    }
  }
}
