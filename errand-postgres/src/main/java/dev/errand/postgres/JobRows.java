package dev.errand.postgres;

import dev.errand.JobInfo;
import dev.errand.JobState;
import dev.errand.jdbc.internal.JobRowMapper;
import dev.errand.spi.JobColumns;
import dev.errand.spi.JobFetchParams;
import java.sql.Array;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.util.HexFormat;
import java.util.List;

/**
 * PostgreSQL's side of reading job rows: times as {@code timestamptz}, tags as a {@code text[]},
 * unique keys as {@code bytea}. {@link JobRowMapper} maps the columns.
 */
final class JobRows {

  /** A unique key's 32 bytes (bytea, see V003) as the hex digits core computed them in. */
  private static final HexFormat HEX = HexFormat.of();

  private static final JobRowMapper MAPPER =
      new JobRowMapper(
          new JobRowMapper.Decoding() {
            @Override
            public Instant instant(ResultSet rs, int column) throws SQLException {
              OffsetDateTime time = rs.getObject(column, OffsetDateTime.class);
              return time == null ? null : time.toInstant();
            }

            @Override
            public List<String> tags(ResultSet rs, int column) throws SQLException {
              return JobRows.tags(rs.getArray(column));
            }

            @Override
            public String uniqueKey(ResultSet rs, int column) throws SQLException {
              byte[] key = rs.getBytes(column);
              return key == null ? null : HEX.formatHex(key);
            }
          });

  private JobRows() {}

  /** A whole job row ({@code SELECT *}, {@code RETURNING *}), its columns found by name. */
  static JobInfo read(ResultSet rs) throws SQLException {
    return MAPPER.readByName(rs);
  }

  /**
   * A row returned by the claim (JobFetch), which leaves out what the claim itself set (the
   * heartbeat time it cleared among them), read by position: a claim returns thousands of rows a
   * second, and pgjdbc finds a column by name through a case-insensitive map.
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
        JobRowMapper.epochMicros(rs.getLong(8)),
        JobRowMapper.epochMicros(rs.getLong(9)),
        claim.now(),
        null,
        claim.owner(),
        claim.leaseExpiresAt(),
        "{}".equals(rs.getString(10)) ? List.of() : tags(rs.getArray(10)),
        JobColumns.metadata(rs.getString(11)),
        JobColumns.errors(rs.getString(12)),
        JobColumns.dependencies(waiting, completed, discarded, cancelled),
        rs.getString(17),
        null);
  }

  private static List<String> tags(Array array) throws SQLException {
    if (array == null) {
      return List.of();
    }
    return List.of((String[]) array.getArray());
  }
}
