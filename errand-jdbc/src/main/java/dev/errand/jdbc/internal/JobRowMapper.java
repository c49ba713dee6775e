package dev.errand.jdbc.internal;

import dev.errand.JobInfo;
import dev.errand.spi.JobColumns;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.util.List;

/**
 * The one mapping of a job row to {@link JobInfo}, for every SQL store: which column holds which
 * field, and how states, metadata, errors and dependency counts are read ({@link JobColumns}). A
 * store supplies only what its database holds differently: times, tags and unique keys ({@link
 * Decoding}).
 *
 * <p>Columns are read by position. A statement that lists {@link #COLUMNS} in that order is read
 * with {@link #read}; one that selects {@code *} with {@link #readByName}, which finds each column
 * by name first.
 *
 * <p>Internal and unstable: for Errand's own SQL stores only.
 */
public final class JobRowMapper {

  /** A job row's columns, in the order of the statements that list them. */
  public static final List<String> COLUMNS =
      List.of(
          "id",
          "state",
          "queue",
          "kind",
          "args",
          "priority",
          "attempt",
          "max_attempts",
          "created_at",
          "scheduled_at",
          "attempted_at",
          "finalized_at",
          "lease_owner",
          "lease_expires_at",
          "tags",
          "metadata",
          "errors",
          "deps_waiting",
          "deps_completed",
          "deps_discarded",
          "deps_cancelled",
          "unique_key",
          "heartbeat_at");

  private static final int[] IN_ORDER = new int[COLUMNS.size()];

  static {
    for (int i = 0; i < IN_ORDER.length; i++) {
      IN_ORDER[i] = i + 1;
    }
  }

  private static final long MICROS_PER_SECOND = 1_000_000;

  /** How a store's database holds the columns whose type differs between stores. */
  public interface Decoding {
    /** The time in column {@code column} of the current row, or null for SQL NULL. */
    Instant instant(ResultSet rs, int column) throws SQLException;

    /** The tags in column {@code column} of the current row. */
    List<String> tags(ResultSet rs, int column) throws SQLException;

    /**
     * The unique key in column {@code column} of the current row as 64 lowercase hex digits, or
     * null for SQL NULL.
     */
    String uniqueKey(ResultSet rs, int column) throws SQLException;
  }

  private final Decoding decoding;

  /** A mapper that decodes times and tags with {@code decoding}. */
  public JobRowMapper(Decoding decoding) {
    this.decoding = decoding;
  }

  /** The current row of a statement whose first columns are {@link #COLUMNS}, in that order. */
  public JobInfo read(ResultSet rs) throws SQLException {
    return read(rs, IN_ORDER);
  }

  /**
   * The current row of a statement that returns {@link #COLUMNS} in any order, among others ({@code
   * SELECT *}): each found by name.
   */
  public JobInfo readByName(ResultSet rs) throws SQLException {
    int[] at = new int[COLUMNS.size()];
    for (int i = 0; i < at.length; i++) {
      at[i] = rs.findColumn(COLUMNS.get(i));
    }
    return read(rs, at);
  }

  /** {@code at[i]} is the position of {@code COLUMNS.get(i)}. */
  private JobInfo read(ResultSet rs, int[] at) throws SQLException {
    return new JobInfo(
        rs.getLong(at[0]), // id
        rs.getString(at[3]), // kind
        rs.getString(at[2]), // queue
        JobColumns.state(rs.getString(at[1])), // state
        rs.getString(at[4]), // args
        rs.getInt(at[5]), // priority
        rs.getInt(at[6]), // attempt
        rs.getInt(at[7]), // max_attempts
        decoding.instant(rs, at[8]), // created_at
        decoding.instant(rs, at[9]), // scheduled_at
        decoding.instant(rs, at[10]), // attempted_at
        decoding.instant(rs, at[11]), // finalized_at
        rs.getString(at[12]), // lease_owner
        decoding.instant(rs, at[13]), // lease_expires_at
        decoding.tags(rs, at[14]),
        JobColumns.metadata(rs.getString(at[15])),
        JobColumns.errors(rs.getString(at[16])),
        JobColumns.dependencies(
            rs.getInt(at[17]), rs.getInt(at[18]), rs.getInt(at[19]), rs.getInt(at[20])),
        decoding.uniqueKey(rs, at[21]), // unique_key
        decoding.instant(rs, at[22])); // heartbeat_at
  }

  /**
   * The instant {@code micros} microseconds after the epoch: how SQLite stores times, and how
   * PostgreSQL's claim returns them.
   */
  public static Instant epochMicros(long micros) {
    return Instant.ofEpochSecond(
        Math.floorDiv(micros, MICROS_PER_SECOND), Math.floorMod(micros, MICROS_PER_SECOND) * 1_000);
  }
}
