package dev.errand.sqlite;

import dev.errand.jdbc.internal.Binder;
import dev.errand.jdbc.internal.JdbcRunner;
import dev.errand.jdbc.internal.NamedSql;
import dev.errand.jdbc.internal.Query;
import java.nio.file.Path;
import java.sql.SQLException;

/**
 * What the parts of a {@link SqliteStore} share: the file's connections ({@link SqliteConnections}:
 * every write one {@code BEGIN IMMEDIATE} transaction on the one writer, reads on the readers), its
 * named statements, the one place that translates {@link SQLException} ({@link JdbcRunner}) and the
 * notifier that wakes this process's producers, with the helpers every part uses to run work and
 * prepare statements.
 */
final class StoreContext {
  final JdbcRunner jdbc;
  final NamedSql sql =
      NamedSql.load(name -> StoreContext.class.getResourceAsStream(name), "store.sql")
          .expand("JobList", "{direction}", JobAdmin.LIST_DIRECTIONS);
  final SqliteConnections connections;

  /** Wakes this process's producers: the parts call it once their write has committed. */
  final LocalNotifier notifier = new LocalNotifier();

  /** Opens {@code file} with the builder's settings (see {@link SqliteConnections}). */
  StoreContext(Path file, String synchronous, long busyTimeoutMillis, int readConnections) {
    this.jdbc = new JdbcRunner("SQLite store " + file, null, StoreContext::hint);
    this.connections = new SqliteConnections(file, synchronous, busyTimeoutMillis, readConnections);
  }

  /** Runs {@code work} as one write transaction; {@code what} names it in an error. */
  <T> T write(String what, SqliteConnections.Work<T> work) {
    return jdbc.call(what, () -> connections.write(work));
  }

  /** Runs {@code work} on a reader; {@code what} names it in an error. */
  <T> T read(String what, SqliteConnections.Work<T> work) {
    return jdbc.call(what, () -> connections.read(work));
  }

  /**
   * Block {@code name}'s statement on {@code c} (prepared once per connection), to bind by name.
   */
  Binder prepare(SqliteConnections.Session c, String name) throws SQLException {
    Query query = sql.query(name);
    return query.bind(c.prepare(query.sql()));
  }

  /** Runs block {@code name}, whose one parameter {@code param} is {@code value}. */
  void writeOne(String what, String name, String param, String value) {
    write(what, c -> prepare(c, name).setString(param, value).statement().executeUpdate());
  }

  /** The remedy for a store whose tables are missing. */
  private static String hint(SQLException e) {
    return e.getMessage() != null && e.getMessage().contains("no such table")
        ? " (has migrate() been called?)"
        : "";
  }
}
