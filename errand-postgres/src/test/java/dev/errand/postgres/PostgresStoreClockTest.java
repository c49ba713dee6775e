package dev.errand.postgres;

import static org.assertj.core.api.Assertions.assertThat;

import dev.errand.Config;
import dev.errand.Errand;
import dev.errand.JobArgs;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Clock;
import java.time.Duration;
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

  @Test
  void aClientThatNeverStartsStampsItsJobsInTheDatabasesTime() throws Exception {
    store.migrate();
    Clock aMinuteAhead = Clock.offset(Clock.systemUTC(), Duration.ofMinutes(1));
    Errand client = Errand.create(Config.builder(store).clock(aMinuteAhead).build());

    Instant before = databaseNow();
    long id = client.enqueue(new Ping()).id();
    Instant after = databaseNow();

    // Due now by the database, not in a minute: the one measurement errs by half a round trip.
    assertThat(store.jobGet(id).orElseThrow().scheduledAt())
        .isBetween(before.minusMillis(500), after.plusMillis(500));
  }

  record Ping() implements JobArgs {
    @Override
    public String kind() {
      return "ping";
    }
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
