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
 * <p>A binder for one row of a multi-row statement ({@link #row}) sets each name at that row's
 * positions only.
 *
 * <p>Closing a binder closes its statement, so that {@code try (Binder b = query.prepare(c))}
 * prepares, binds and closes one statement.
 *
 * <p>Internal and unstable: for Errand's own SQL stores only.
 */
public final class Binder implements AutoCloseable {
  private final Query query;
  private final PreparedStatement ps;
  private final int row;

  Binder(Query query, PreparedStatement ps) {
    this(query, ps, -1);
  }

  private Binder(Query query, PreparedStatement ps, int row) {
    this.query = query;
    this.ps = ps;
    this.row = row;
  }

  /** The statement bound. */
  public PreparedStatement statement() {
    return ps;
  }

  /**
   * A binder for row {@code row} (from 0) of a statement made by {@link Query#repeat}: each name is
   * set where that row has it, and nowhere else.
   */
  public Binder row(int row) {
    if (row < 0 || row >= query.rows()) {
      throw new IndexOutOfBoundsException(
          "SQL block '" + query.name() + "' has " + query.rows() + " rows, not row " + row);
    }
    return new Binder(query, ps, row);
  }

  /** The positions to set {@code name} at: all of them, or this binder's row's. */
  private int[] positions(String name) {
    return row < 0 ? query.positions(name) : query.positions(name, row);
  }

  /** Binds SQL NULL of the given {@link Types} code. */
  public Binder setNull(String name, int sqlType) throws SQLException {
    for (int i : positions(name)) {
      ps.setNull(i, sqlType);
    }
    return this;
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
    for (int i : positions(name)) {
      ps.setString(i, value);
    }
    return this;
  }

  /** Binds {@code value} as text, or SQL NULL when it is null. */
  public Binder setNullableString(String name, String value) throws SQLException {
    for (int i : positions(name)) {
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
    for (int i : positions(name)) {
      ps.setShort(i, value);
    }
    return this;
  }

  /** Binds {@code value} as an integer. */
  public Binder setInt(String name, int value) throws SQLException {
    for (int i : positions(name)) {
      ps.setInt(i, value);
    }
    return this;
  }

  /** Binds {@code value} as a bigint. */
  public Binder setLong(String name, long value) throws SQLException {
    for (int i : positions(name)) {
      ps.setLong(i, value);
    }
    return this;
  }

  /** Binds {@code value} as a boolean. */
  public Binder setBoolean(String name, boolean value) throws SQLException {
    for (int i : positions(name)) {
      ps.setBoolean(i, value);
    }
    return this;
  }

  /** Binds {@code value} as an SQL array. */
  public Binder setArray(String name, Array value) throws SQLException {
    for (int i : positions(name)) {
      ps.setArray(i, value);
    }
    return this;
  }

  /**
   * Binds {@code value} with the given {@link Types} code (as {@link PreparedStatement#setObject}).
   */
  public Binder setObject(String name, Object value, int sqlType) throws SQLException {
    for (int i : positions(name)) {
      ps.setObject(i, value, sqlType);
    }
    return this;
  }
}
