package dev.errand.postgres;

import dev.errand.jdbc.internal.Binder;
import dev.errand.jdbc.internal.JdbcRunner;
import dev.errand.jdbc.internal.NamedSql;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Types;
import java.time.Instant;
import java.util.Collection;
import javax.sql.DataSource;
import org.postgresql.PGStatement;

/**
 * What the parts of a {@link PostgresStore} share: its connections, its named statements, the one
 * place that translates {@link SQLException} ({@link JdbcRunner}), its notification channel and its
 * fetch hints, with the helpers every part uses to prepare statements and wake nodes.
 */
final class StoreContext {
  final DataSource dataSource;
  final String schema;
  final NamedSql sql;
  final JdbcRunner jdbc;
  final String channel;
  final FetchHints hints = new FetchHints();

  StoreContext(DataSource dataSource, String schema) {
    this.dataSource = dataSource;
    this.schema = schema;
    this.sql =
        NamedSql.load(name -> StoreContext.class.getResourceAsStream(name), "store.sql")
            .replace("{schema}", schema)
            .expand("JobList", "{direction}", JobAdmin.LIST_DIRECTIONS);
    this.jdbc = new JdbcRunner("PostgreSQL store (schema " + schema + ")", dataSource, e -> "");
    this.channel = "errand_" + schema;
  }

  /** Prepares statement {@code name}, to bind by name; closing the binder closes the statement. */
  Binder prepare(Connection c, String name) throws SQLException {
    return sql.query(name).prepare(c);
  }

  /**
   * Prepares a batch statement that PostgreSQL plans anew at every run. pgjdbc otherwise switches
   * to a server-prepared statement after a few runs, whose generic plan, made while the table was
   * small or its statistics stale, can stay wrong as the table grows: a sequential scan where a
   * primary-key or partial-index lookup was needed (seen: 29 s for one batch of 2,000 results
   * against 30,000 running jobs). Planning costs a fraction of a millisecond; a batch amortizes it.
   */
  Binder planEachTime(Connection c, String name) throws SQLException {
    Binder b = prepare(c, name);
    b.statement().unwrap(PGStatement.class).setPrepareThreshold(0);
    return b;
  }

  /**
   * The debouncer's trailing notification for single enqueues made here, on a connection of its
   * own. It only wakes the nodes: these jobs already moved this store's fetch hints back to them,
   * and starting the next claims from the head for them (as {@link #wake} does) made a steady
   * stream of enqueues during a backlog cost a walk over the backlog's dead entries per window.
   */
  void announceEnqueued(Collection<String> queues) throws SQLException {
    try (Connection c = dataSource.getConnection()) {
      sendNotify(c, queues);
    }
  }

  /**
   * Wakes the nodes working {@code queues}, whose jobs were made available by something other than
   * an insert (a retry, a finished dependency, …): at keys this store does not track, so the next
   * claims here start from the head of the fetch index.
   */
  void wake(Connection c, Collection<String> queues) throws SQLException {
    if (queues.isEmpty()) {
      return;
    }
    hints.reset(queues);
    sendNotify(c, queues);
  }

  /** Wakes the nodes working {@code queues}: one notification each. */
  void sendNotify(Connection c, Collection<String> queues) throws SQLException {
    if (queues.isEmpty()) {
      return;
    }
    try (Binder b = prepare(c, "Notify")) {
      b.setString("channel", channel)
          .setArray("queues", c.createArrayOf("text", queues.toArray(String[]::new)));
      b.executeQuery().close();
    }
  }

  /**
   * Binds an instant (or its ISO-8601 text) to a {@code :name::timestamptz} parameter, its type
   * left for the server to infer from the cast. Bound as text, the parameter was a varchar, and
   * varchar to timestamptz is a stable conversion that PostgreSQL does not fold: it parsed the text
   * again for every row the statement wrote (the claim's lease times, the bulk insert's run time).
   * Inferred, the text is parsed once, when the statement is bound.
   */
  static void setTimestamp(Binder b, String name, Object instant) throws SQLException {
    b.setObject(name, timestampText(instant), Types.OTHER);
  }

  /**
   * A time as PostgreSQL reads it; {@link Instant#MIN}, where a walk starts from the head of an
   * index ({@link FetchHints#HEAD}, {@link RescueWatermark#FROM_THE_START}), as {@code -infinity}.
   */
  private static String timestampText(Object instant) {
    return Instant.MIN.equals(instant) ? "-infinity" : instant.toString();
  }
}
