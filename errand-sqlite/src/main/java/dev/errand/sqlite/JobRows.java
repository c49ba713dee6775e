package dev.errand.sqlite;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import dev.errand.JobInfo;
import dev.errand.spi.JobColumns;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.util.List;

/**
 * Turns job rows into {@link JobInfo}, and times and JSON columns both ways. Times are stored as
 * microseconds since the epoch: an integer compares and indexes cheaply, and microseconds are what
 * PostgreSQL keeps, so an instant reads back the same on either store.
 */
final class JobRows {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final long MICROS_PER_SECOND = 1_000_000;

  private JobRows() {}

  /**
   * Reads the columns id, state, queue, kind, args, priority, … errors, then the four dependency
   * counters, in store.sql's order.
   */
  static JobInfo read(ResultSet rs) throws SQLException {
    return new JobInfo(
        rs.getLong(1),
        rs.getString(4),
        rs.getString(3),
        JobColumns.state(rs.getString(2)),
        rs.getString(5),
        rs.getInt(6),
        rs.getInt(7),
        rs.getInt(8),
        instant(rs, 9),
        instant(rs, 10),
        instant(rs, 11),
        instant(rs, 12),
        rs.getString(13),
        instant(rs, 14),
        JobColumns.tags(rs.getString(15)),
        JobColumns.metadata(rs.getString(16)),
        JobColumns.errors(rs.getString(17)),
        JobColumns.dependencies(rs.getInt(18), rs.getInt(19), rs.getInt(20), rs.getInt(21)));
  }

  // NONE for a job that never had dependencies, as the other stores report it.
  /** Microseconds since the epoch; anything finer is dropped, as PostgreSQL does. */
  static long micros(Instant instant) {
    return Math.addExact(
        Math.multiplyExact(instant.getEpochSecond(), MICROS_PER_SECOND), instant.getNano() / 1_000);
  }

  static Instant instant(long micros) {
    return Instant.ofEpochSecond(
        Math.floorDiv(micros, MICROS_PER_SECOND), Math.floorMod(micros, MICROS_PER_SECOND) * 1_000);
  }

  static Instant instant(ResultSet rs, int column) throws SQLException {
    long micros = rs.getLong(column);
    return rs.wasNull() ? null : instant(micros);
  }

  /** The rows of the JobFinishMany statement, as the JSON array it reads. */
  static String finishJson(List<SqliteStore.FinishRow> rows) {
    ArrayNode array = JSON.createArrayNode();
    for (SqliteStore.FinishRow r : rows) {
      ArrayNode row = array.addArray();
      row.add(r.ref().id());
      row.add(r.ref().attempt());
      row.add(r.state());
      row.add(r.attemptDelta());
      if (r.scheduledAt() == null) {
        row.addNull();
      } else {
        row.add(micros(r.scheduledAt()));
      }
      if (r.finalizedAt() == null) {
        row.addNull();
      } else {
        row.add(micros(r.finalizedAt()));
      }
      if (r.error() == null) {
        row.addNull();
      } else {
        row.add(JobColumns.errorJson(r.error()));
      }
    }
    return array.toString();
  }
}
