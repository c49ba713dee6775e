package dev.errand.jdbc.internal;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * One named SQL block, parsed once: its JDBC text, where each named parameter ({@code :queue})
 * became a {@code ?}, and each name's positions, so that a parameter used twice is bound once by
 * name ({@link Binder}). A block uses either named parameters or plain {@code ?}, never both.
 *
 * <p>A block may also be a row of a multi-row statement ({@link #repeat}), bound one row at a time
 * ({@link Binder#row}).
 *
 * <p>The parser skips string literals, quoted identifiers and comments, and a {@code ::} cast is
 * never a parameter ({@code :now::timestamptz} is the parameter {@code now} cast to timestamptz).
 *
 * <p>Internal and unstable: for Errand's own SQL stores only.
 */
public final class Query {
  private final String name;
  private final String text;
  private final String sql;
  private final Map<String, int[]> positions;
  private final int rows;

  /** Each parameter's positions split by row, computed once: binding a row allocates nothing. */
  private final Map<String, int[][]> byRow;

  private Query(String name, String text, String sql, Map<String, int[]> positions, int rows) {
    this.name = name;
    this.text = text;
    this.sql = sql;
    this.positions = positions;
    this.rows = rows;
    Map<String, int[][]> split = new HashMap<>();
    positions.forEach(
        (param, at) -> {
          int[][] rowsAt = new int[rows][];
          int perRow = at.length / rows;
          for (int r = 0; r < rows; r++) {
            rowsAt[r] = Arrays.copyOfRange(at, r * perRow, (r + 1) * perRow);
          }
          split.put(param, rowsAt);
        });
    this.byRow = Map.copyOf(split);
  }

  /** Parses block {@code name}'s text {@code text}. */
  public static Query parse(String name, String text) {
    return parse(name, text, 1);
  }

  private static Query parse(String name, String text, int rows) {
    StringBuilder sql = new StringBuilder(text.length());
    Map<String, List<Integer>> found = new HashMap<>();
    int plain = 0;
    int index = 0;
    int n = text.length();
    int i = 0;
    while (i < n) {
      char ch = text.charAt(i);
      int end;
      if (ch == '\'' || ch == '"') {
        end = text.indexOf(ch, i + 1);
        while (end >= 0 && end + 1 < n && text.charAt(end + 1) == ch) {
          end = text.indexOf(ch, end + 2);
        }
        end = end < 0 ? n : end + 1;
      } else if (ch == '-' && i + 1 < n && text.charAt(i + 1) == '-') {
        end = text.indexOf('\n', i);
        end = end < 0 ? n : end;
      } else if (ch == '/' && i + 1 < n && text.charAt(i + 1) == '*') {
        end = text.indexOf("*/", i + 2);
        end = end < 0 ? n : end + 2;
      } else if (ch == ':' && i + 1 < n && text.charAt(i + 1) == ':') {
        end = i + 2;
      } else if (ch == ':' && i + 1 < n && Character.isJavaIdentifierStart(text.charAt(i + 1))) {
        end = i + 2;
        while (end < n && Character.isJavaIdentifierPart(text.charAt(end))) {
          end++;
        }
        found.computeIfAbsent(text.substring(i + 1, end), k -> new ArrayList<>()).add(++index);
        sql.append('?');
        i = end;
        continue;
      } else {
        if (ch == '?') {
          plain++;
          index++;
        }
        end = i + 1;
      }
      sql.append(text, i, end);
      i = end;
    }
    if (plain > 0 && !found.isEmpty()) {
      throw new IllegalStateException(
          "SQL block '" + name + "' mixes ? with named parameters " + found.keySet());
    }
    Map<String, int[]> positions = new HashMap<>();
    found.forEach(
        (param, at) -> positions.put(param, at.stream().mapToInt(Integer::intValue).toArray()));
    return new Query(name, text, sql.toString(), Map.copyOf(positions), rows);
  }

  /**
   * This block with {@code placeholder} replaced by {@code rows} copies of {@code row},
   * comma-separated: one statement for many rows ({@code INSERT … VALUES {rows}}), whose row
   * parameters are bound a row at a time through {@link Binder#row}. This block itself must have no
   * parameters, and {@code rows} must be at least 1.
   */
  public Query repeat(String placeholder, Query row, int rows) {
    if (!positions.isEmpty() || rows < 1 || !text.contains(placeholder)) {
      throw new IllegalArgumentException(
          "SQL block '" + name + "' cannot repeat '" + row.name + "' " + rows + " times");
    }
    String joined = String.join(", ", Collections.nCopies(rows, row.text));
    return parse(name, text.replace(placeholder, joined), rows);
  }

  /** This block's name. */
  public String name() {
    return name;
  }

  /** The JDBC text, with {@code ?} for every parameter. */
  public String sql() {
    return sql;
  }

  /** The 1-based JDBC positions of parameter {@code param}; fails fast on an unknown name. */
  public int[] positions(String param) {
    int[] at = positions.get(param);
    if (at == null) {
      throw new IllegalArgumentException("SQL block '" + name + "' has no parameter :" + param);
    }
    return at;
  }

  /** How many rows this block binds: 1, or as many as {@link #repeat} made. */
  int rows() {
    return rows;
  }

  /** The positions of {@code param} in row {@code row} (from 0) of this block. */
  int[] positions(String param, int row) {
    // One lookup: a bulk insert binds a dozen names for each of its rows.
    int[][] rows = byRow.get(param);
    if (rows == null) {
      throw new IllegalArgumentException("SQL block '" + name + "' has no parameter :" + param);
    }
    return rows[row];
  }

  /** The named parameters of this block. */
  public java.util.Set<String> parameters() {
    return positions.keySet();
  }

  /**
   * Prepares this block on {@code c}, ready to bind by name: the block is looked up once for both.
   * The binder owns the statement; close it to close the statement.
   */
  public Binder prepare(Connection c) throws SQLException {
    return new Binder(this, c.prepareStatement(sql));
  }

  /** Binds this block's named parameters on {@code statement}, prepared from {@link #sql()}. */
  public Binder bind(PreparedStatement statement) {
    return new Binder(this, statement);
  }

  Query replace(String placeholder, String value) {
    return new Query(
        name, text.replace(placeholder, value), sql.replace(placeholder, value), positions, rows);
  }
}
