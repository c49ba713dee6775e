package dev.errand.postgres;

import static dev.errand.JobState.AVAILABLE;
import static dev.errand.JobState.COMPLETED;
import static dev.errand.JobState.SCHEDULED;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import com.zaxxer.hikari.HikariDataSource;
import dev.errand.QueueInfo;
import dev.errand.jdbc.internal.Query;
import dev.errand.spi.QueueListParams;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.List;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Counts with a bound on a table far past it: exact below the bound, estimated from the planner's
 * statistics above it, and never by reading the whole table.
 */
class PostgresQueueCountsTest {
  private static final long BOUND = 1_000;

  private String schema;
  private PostgresStore store;

  @BeforeEach
  void fillATableFarPastTheBound() throws SQLException {
    schema = TestDatabase.newSchema("errand_counts");
    store = PostgresStore.builder(TestDatabase.pool()).schema(schema).build();
    store.migrate();
    // Written in SQL, not through the store: 40,000 jobs in their states in a second. Queue
    // "busy" has 30,000 completed, 6,000 available and 3,000 scheduled jobs; "rare" 7 available
    // and 5 completed; "mid" 995 completed.
    execute(
        "INSERT INTO "
            + schema
            + ".job (queue, kind, args, state, max_attempts, created_at, scheduled_at, finalized_at)"
            + " SELECT q, 'k', '{}', s::"
            + schema
            + ".job_state, 20, now(), now(), CASE WHEN s = 'completed' THEN now() END"
            + " FROM (SELECT 'busy' q, CASE WHEN i <= 30000 THEN 'completed'"
            + "   WHEN i <= 36000 THEN 'available' ELSE 'scheduled' END s"
            + "   FROM generate_series(1, 39000) i"
            + " UNION ALL SELECT 'rare', CASE WHEN i <= 7 THEN 'available' ELSE 'completed' END"
            + "   FROM generate_series(1, 12) i"
            + " UNION ALL SELECT 'mid', 'completed' FROM generate_series(1, 995) i) rows");
    execute("ANALYZE " + schema + ".job");
  }

  @AfterEach
  void dropStore() {
    store.close();
    TestDatabase.dropSchema(schema);
  }

  @Test
  void countsUpToTheBoundAreExactAndTheRestEstimatedAndMarked() {
    QueueInfo busy = queue(store.queueList(new QueueListParams(BOUND)), "busy");
    QueueInfo rare = queue(store.queueList(new QueueListParams(BOUND)), "rare");

    // Available jobs are counted per queue: "rare"'s are exact whatever "busy" holds.
    assertThat(rare.count(AVAILABLE)).isEqualTo(7);
    assertThat(rare.isEstimated(AVAILABLE)).isFalse();
    assertThat(busy.isEstimated(AVAILABLE)).isTrue();
    assertThat(busy.isEstimated(COMPLETED)).isTrue();
    assertThat(busy.isEstimated(SCHEDULED)).isTrue();
    // ANALYZE read every row of a table this size: its shares are close to the truth.
    assertThat((double) busy.count(AVAILABLE)).isCloseTo(6_000, within(600.0));
    assertThat((double) busy.count(COMPLETED)).isCloseTo(30_000, within(3_000.0));
    assertThat((double) busy.count(SCHEDULED)).isCloseTo(3_000, within(300.0));
  }

  @Test
  void aUserWhoDoesNotOwnTheTableGetsEstimatesToo() throws SQLException {
    // pg_stats_ext shows the (queue, state) statistics to the table's owner only: a reader gets
    // each column's statistics, multiplied.
    String reader = schema + "_reader";
    execute("CREATE ROLE " + reader + " LOGIN");
    try {
      execute("GRANT USAGE ON SCHEMA " + schema + " TO " + reader);
      execute("GRANT SELECT ON ALL TABLES IN SCHEMA " + schema + " TO " + reader);
      String url = TestDatabase.url().replaceAll("([?&])user=[^&]*", "$1user=" + reader);
      try (HikariDataSource asReader = TestDatabase.newPool(url, 1);
          PostgresStore readerStore = PostgresStore.builder(asReader).schema(schema).build()) {
        QueueInfo busy = queue(readerStore.queueList(new QueueListParams(BOUND)), "busy");
        assertThat(busy.isEstimated(COMPLETED)).isTrue();
        // 30,000 of 39,000 "busy" jobs are completed, but "busy" is 39,000 of 40,007 jobs and
        // completed 31,000 of them: unrelated shares give 29,000 or so.
        assertThat((double) busy.count(COMPLETED)).isCloseTo(30_000, within(3_000.0));
        assertThat((double) busy.count(AVAILABLE)).isCloseTo(6_000, within(1_000.0));
      }
    } finally {
      execute("DROP OWNED BY " + reader);
      execute("DROP ROLE " + reader);
    }
  }

  @Test
  void withinTheBoundEveryCountIsExact() throws SQLException {
    execute("DELETE FROM " + schema + ".job WHERE queue = 'busy'");

    List<QueueInfo> bounded = store.queueList(new QueueListParams(BOUND));

    assertThat(bounded).isEqualTo(store.queueList());
    assertThat(queue(bounded, "mid").count(COMPLETED)).isEqualTo(995);
  }

  @Test
  void noCountReadsTheWholeTable() throws SQLException {
    StoreContext ctx = new StoreContext(TestDatabase.pool(), schema);
    for (String statement : List.of("QueueCountAvailable", "QueueCountSample")) {
      String plan = explain(ctx, statement);
      assertThat(plan).as(statement + "\n" + plan).doesNotContain("Seq Scan");
    }
  }

  private String explain(StoreContext ctx, String statement) throws SQLException {
    Query query = ctx.sql.query(statement);
    try (Connection c = TestDatabase.pool().getConnection();
        PreparedStatement explain = c.prepareStatement("EXPLAIN " + query.sql())) {
      for (int position : query.positions("limit")) {
        explain.setLong(position, BOUND + 1);
      }
      StringBuilder plan = new StringBuilder();
      try (ResultSet rs = explain.executeQuery()) {
        while (rs.next()) {
          plan.append(rs.getString(1)).append('\n');
        }
      }
      return plan.toString();
    }
  }

  private static QueueInfo queue(List<QueueInfo> queues, String name) {
    return queues.stream()
        .filter(q -> q.name().equals(name))
        .findFirst()
        .orElseThrow(
            () ->
                new AssertionError(
                    name
                        + " not in "
                        + queues.stream().map(QueueInfo::name).collect(Collectors.joining(", "))));
  }

  private void execute(String sql) throws SQLException {
    try (Connection c = TestDatabase.pool().getConnection();
        Statement st = c.createStatement()) {
      st.execute(sql);
    }
  }
}
