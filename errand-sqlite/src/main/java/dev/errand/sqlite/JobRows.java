package dev.errand.sqlite;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import dev.errand.JobInfo;
import dev.errand.jdbc.internal.JobRowMapper;
import dev.errand.spi.JobColumns;
import dev.errand.sqlite.JobFinishes.FinishRow;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/**
 * SQLite's side of reading job rows ({@link JobRowMapper} maps the columns), and times and JSON
 * columns both ways. Times are stored as microseconds since the epoch: an integer compares and
 * indexes cheaply, and microseconds are what PostgreSQL keeps, so an instant reads back the same on
 * either store. Tags are a JSON array of strings; a unique key, its hex digits.
 */
final class JobRows {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final long MICROS_PER_SECOND = 1_000_000;

  private static final JobRowMapper MAPPER =
      new JobRowMapper(
          new JobRowMapper.Decoding() {
            @Override
            public Instant instant(ResultSet rs, int column) throws SQLException {
              return JobRows.instant(rs, column);
            }

            @Override
            public List<String> tags(ResultSet rs, int column) throws SQLException {
              return JobColumns.tags(rs.getString(column));
            }

            @Override
            public String uniqueKey(ResultSet rs, int column) throws SQLException {
              return rs.getString(column);
            }
          });

  private JobRows() {}

  /** Reads a row of store.sql's job columns, listed in {@link JobRowMapper#COLUMNS}' order. */
  static JobInfo read(ResultSet rs) throws SQLException {
    return MAPPER.read(rs);
  }

  /** Every row of {@code ps}, run now: a statement that lists the job columns, as {@link #read}. */
  static List<JobInfo> readAll(PreparedStatement ps) throws SQLException {
    List<JobInfo> jobs = new ArrayList<>();
    try (ResultSet rs = ps.executeQuery()) {
      while (rs.next()) {
        jobs.add(read(rs));
      }
    }
    return jobs;
  }

  /** Microseconds since the epoch; anything finer is dropped, as PostgreSQL does. */
  static long micros(Instant instant) {
    return Math.addExact(
        Math.multiplyExact(instant.getEpochSecond(), MICROS_PER_SECOND), instant.getNano() / 1_000);
  }

  static Instant instant(long micros) {
    return JobRowMapper.epochMicros(micros);
  }

  static Instant instant(ResultSet rs, int column) throws SQLException {
    long micros = rs.getLong(column);
    return rs.wasNull() ? null : instant(micros);
  }

  /** The rows of the JobFinishMany statement, as the JSON array it reads. */
  static String finishJson(List<FinishRow> rows) {
    ArrayNode array = JSON.createArrayNode();
    for (FinishRow r : rows) {
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
