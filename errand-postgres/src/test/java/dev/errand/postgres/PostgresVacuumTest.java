package dev.errand.postgres;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.errand.spi.JobPruneParams;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The store vacuums its tables itself when autovacuum would not. */
class PostgresVacuumTest {
  private String schema;
  private PostgresStore store;
  private long started;

  @BeforeEach
  void createStore() {
    schema = TestDatabase.newSchema("errand_vacuum");
    store =
        PostgresStore.builder(TestDatabase.pool())
            .schema(schema)
            .vacuumInterval(Duration.ofMillis(1))
            .build();
    store.migrate();
    started = System.nanoTime();
  }

  @AfterEach
  void dropStore() {
    store.close();
    TestDatabase.dropSchema(schema);
  }

  @Test
  void withAutovacuumOffForTheJobTableAPruneRoundVacuumsIt() throws Exception {
    execute("ALTER TABLE " + schema + ".job SET (autovacuum_enabled = false)");
    long before = vacuumCount("job");
    // The first vacuum comes one interval after the store started.
    await().until(() -> System.nanoTime() - started > Duration.ofMillis(1).toNanos());

    prune();

    await().until(() -> vacuumCount("job") > before);
    assertThat(vacuumCount("job_dependency")).isPositive();
  }

  private void prune() {
    Instant now = Instant.now();
    store.jobPrune(new JobPruneParams(now, now, now, 100));
  }

  private void execute(String statement) throws SQLException {
    try (Connection c = TestDatabase.pool().getConnection();
        Statement st = c.createStatement()) {
      st.execute(statement);
    }
  }

  private long vacuumCount(String table) throws SQLException {
    try (Connection c = TestDatabase.pool().getConnection();
        PreparedStatement ps =
            c.prepareStatement(
                "SELECT vacuum_count FROM pg_stat_user_tables WHERE schemaname = ? AND relname = ?")) {
      ps.setString(1, schema);
      ps.setString(2, table);
      try (ResultSet rs = ps.executeQuery()) {
        return rs.next() ? rs.getLong(1) : 0;
      }
    }
  }
}
