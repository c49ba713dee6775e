package dev.errand.jdbc.internal;

import dev.errand.StoreException;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.function.Function;
import javax.sql.DataSource;

/**
 * The one place a SQL store runs JDBC work and translates {@link SQLException} into {@link
 * StoreException}, with a message naming the store and what it was doing ("PostgreSQL store (schema
 * errand) could not fetch jobs of queue 'mail': …").
 *
 * <p>Internal and unstable: for Errand's own SQL stores only.
 */
public final class JdbcRunner {
  /** Work on a borrowed connection. */
  @FunctionalInterface
  public interface Work<T> {
    /** Does the work on {@code c}. */
    T run(Connection c) throws SQLException;
  }

  /** Work that finds its own connection. */
  @FunctionalInterface
  public interface Call<T> {
    /** Does the work. */
    T call() throws SQLException;
  }

  private final String store;
  private final DataSource dataSource;
  private final Function<SQLException, String> hint;

  /**
   * A runner for {@code store} (as named in messages) that borrows connections from {@code
   * dataSource} (null if the store lends its own through {@link #call}); {@code hint} adds a remedy
   * to a message (empty for none).
   */
  public JdbcRunner(String store, DataSource dataSource, Function<SQLException, String> hint) {
    this.store = store;
    this.dataSource = dataSource;
    this.hint = hint;
  }

  /** Runs {@code work} on a connection borrowed for it; {@code what} names it in an error. */
  public <T> T run(String what, Work<T> work) {
    try (Connection c = dataSource.getConnection()) {
      return work.run(c);
    } catch (SQLException e) {
      throw failed(what, e);
    }
  }

  /**
   * Runs {@code work} as one transaction on a connection borrowed for it (see {@link
   * #inTransaction}); {@code what} names it in an error.
   */
  public <T> T transaction(String what, Work<T> work) {
    return run(what, c -> inTransaction(c, work));
  }

  /**
   * Runs {@code work} as one transaction on {@code c}, which must be in auto-commit mode: commits
   * if it returns, rolls back if it throws, and leaves {@code c} in auto-commit mode again. For
   * JDBC transactions only; a store that begins its own (SQLite's {@code BEGIN IMMEDIATE}) does not
   * use it.
   */
  public static <T> T inTransaction(Connection c, Work<T> work) throws SQLException {
    c.setAutoCommit(false);
    try {
      T result = work.run(c);
      c.commit();
      return result;
    } catch (SQLException | RuntimeException e) {
      c.rollback();
      throw e;
    } finally {
      c.setAutoCommit(true);
    }
  }

  /** Runs {@code work} on the caller's connection; {@code what} names it in an error. */
  public <T> T run(Connection c, String what, Work<T> work) {
    try {
      return work.run(c);
    } catch (SQLException e) {
      throw failed(what, e);
    }
  }

  /** Runs {@code call}; {@code what} names it in an error. */
  public <T> T call(String what, Call<T> call) {
    try {
      return call.call();
    } catch (SQLException e) {
      throw failed(what, e);
    }
  }

  /** {@code e}, translated: the store, what it could not do, the driver's message and a hint. */
  public StoreException failed(String what, SQLException e) {
    return new StoreException(
        store + " could not " + what + ": " + e.getMessage() + hint.apply(e), e);
  }
}
