package dev.errand.postgres;

import dev.errand.DependencyCounts;
import dev.errand.JobInfo;
import dev.errand.JobState;
import dev.errand.spi.JobColumns;
import dev.errand.spi.JobFetchParams;
import java.sql.Array;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.util.List;

/** Turns job rows into {@link JobInfo} and the JSON columns both ways. */
final class JobRows {

  private JobRows() {}

  static JobInfo read(ResultSet rs) throws SQLException {
    return new JobInfo(
        rs.getLong("id"),
        rs.getString("kind"),
        rs.getString("queue"),
        JobColumns.state(rs.getString("state")),
        rs.getString("args"),
        rs.getInt("priority"),
        rs.getInt("attempt"),
        rs.getInt("max_attempts"),
        instant(rs, "created_at"),
        instant(rs, "scheduled_at"),
        instant(rs, "attempted_at"),
        instant(rs, "finalized_at"),
        rs.getString("lease_owner"),
        instant(rs, "lease_expires_at"),
        tags(rs.getArray("tags")),
        JobColumns.metadata(rs.getString("metadata")),
        JobColumns.errors(rs.getString("errors")),
        dependencies(rs));
  }

  /**
   * A row returned by the claim (JobFetch), which leaves out what the claim itself set, read by
   * position: a claim returns thousands of rows a second, and pgjdbc finds a column by name through
   * a case-insensitive map.
   */
  static JobInfo readClaimed(ResultSet rs, JobFetchParams claim) throws SQLException {
    int waiting = rs.getInt(13);
    int completed = rs.getInt(14);
    int discarded = rs.getInt(15);
    int cancelled = rs.getInt(16);
    return new JobInfo(
        rs.getLong(1),
        rs.getString(2),
        rs.getString(3),
        JobState.RUNNING,
        rs.getString(4),
        rs.getInt(5),
        rs.getInt(6),
        rs.getInt(7),
        epochMicros(rs.getLong(8)),
        epochMicros(rs.getLong(9)),
        claim.now(),
        null,
        claim.owner(),
        claim.leaseExpiresAt(),
        "{}".equals(rs.getString(10)) ? List.of() : tags(rs.getArray(10)),
        JobColumns.metadata(rs.getString(11)),
        JobColumns.errors(rs.getString(12)),
        JobColumns.dependencies(waiting, completed, discarded, cancelled));
  }

  private static Instant epochMicros(long micros) {
    return Instant.ofEpochSecond(
        Math.floorDiv(micros, 1_000_000L), Math.floorMod(micros, 1_000_000L) * 1_000L);
  }

  private static DependencyCounts dependencies(ResultSet rs) throws SQLException {
    int waiting = rs.getInt("deps_waiting");
    int completed = rs.getInt("deps_completed");
    int discarded = rs.getInt("deps_discarded");
    int cancelled = rs.getInt("deps_cancelled");
    return JobColumns.dependencies(waiting, completed, discarded, cancelled);
  }

  private static Instant instant(ResultSet rs, String column) throws SQLException {
    OffsetDateTime time = rs.getObject(column, OffsetDateTime.class);
    return time == null ? null : time.toInstant();
  }

  private static List<String> tags(Array array) throws SQLException {
    if (array == null) {
      return List.of();
    }
    return List.of((String[]) array.getArray());
  }
}
