package dev.errand.jdbc.internal;

import java.sql.Array;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Types;

/**
 * Binds one statement's named parameters by name: each value is set at every position its name has
 * in the {@link Query}, positions computed once when the SQL was loaded.
 *
 * <p>Closing a binder closes its statement, so that {@code try (Binder b = query.prepare(c))}
 * prepares, binds and closes one statement.
 *
 * <p>Internal and unstable: for Errand's own SQL stores only.
 */
public final class Binder implements AutoCloseable {
  private final Query query;
  private final PreparedStatement ps;

  Binder(Query query, PreparedStatement ps) {
    this.query = query;
    this.ps = ps;
  }

  /** The statement bound. */
  public PreparedStatement statement() {
    return ps;
  }

  /** Runs the statement bound, as {@link PreparedStatement#executeQuery()}. */
  public ResultSet executeQuery() throws SQLException {
    return ps.executeQuery();
  }

  /** Runs the statement bound, as {@link PreparedStatement#executeUpdate()}. */
  public int executeUpdate() throws SQLException {
    return ps.executeUpdate();
  }

  /** Closes the statement bound. */
  @Override
  public void close() throws SQLException {
    ps.close();
  }

  /** Binds {@code value} as text. */
  public Binder setString(String name, String value) throws SQLException {
    for (int i : query.positions(name)) {
      ps.setString(i, value);
    }
    return this;
  }

  /** Binds {@code value} as text, or SQL NULL when it is null. */
  public Binder setNullableString(String name, String value) throws SQLException {
    for (int i : query.positions(name)) {
      if (value == null) {
        ps.setNull(i, Types.VARCHAR);
      } else {
        ps.setString(i, value);
      }
    }
    return this;
  }

  /** Binds {@code value} as a smallint. */
  public Binder setShort(String name, short value) throws SQLException {
    for (int i : query.positions(name)) {
      ps.setShort(i, value);
    }
    return this;
  }

  /** Binds {@code value} as an integer. */
  public Binder setInt(String name, int value) throws SQLException {
    for (int i : query.positions(name)) {
      ps.setInt(i, value);
    }
    return this;
  }

  /** Binds {@code value} as a bigint. */
  public Binder setLong(String name, long value) throws SQLException {
    for (int i : query.positions(name)) {
      ps.setLong(i, value);
    }
    return this;
  }

  /** Binds {@code value} as a boolean. */
  public Binder setBoolean(String name, boolean value) throws SQLException {
    for (int i : query.positions(name)) {
      ps.setBoolean(i, value);
    }
    return this;
  }

  /** Binds {@code value} as an SQL array. */
  public Binder setArray(String name, Array value) throws SQLException {
    for (int i : query.positions(name)) {
      ps.setArray(i, value);
    }
    return this;
  }

  /**
   * Binds {@code value} with the given {@link Types} code (as {@link PreparedStatement#setObject}).
   */
  public Binder setObject(String name, Object value, int sqlType) throws SQLException {
    for (int i : query.positions(name)) {
      ps.setObject(i, value, sqlType);
    }
    return this;
  }
}
