package dev.errand.postgres;

import static org.assertj.core.api.Assertions.assertThat;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Instant;
import java.time.OffsetDateTime;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The PostgreSQL store's clock is the database server's, the one every node compares with. */
class PostgresStoreClockTest {
  private final String schema = TestDatabase.newSchema("errand_clock");
  private final PostgresStore store =
      PostgresStore.builder(TestDatabase.pool()).schema(schema).listen(false).build();

  @AfterEach
  void tearDown() {
    store.close();
    TestDatabase.dropSchema(schema);
  }

  @Test
  void theStoresTimeIsTheDatabaseServersClockReadNow() throws Exception {
    Instant before = databaseNow();
    Instant time = store.time().orElseThrow();
    Instant after = databaseNow();

    // Database times compared with database times: right whichever host the test runs on.
    assertThat(time).isBetween(before, after);
  }

  private static Instant databaseNow() throws Exception {
    try (Connection c = TestDatabase.pool().getConnection();
        Statement st = c.createStatement();
        ResultSet rs = st.executeQuery("SELECT clock_timestamp()")) {
      rs.next();
      return rs.getObject(1, OffsetDateTime.class).toInstant();
    }
  }
}
