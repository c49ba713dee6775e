package dev.errand.jdbc.internal;

import dev.errand.NodeInfo;
import dev.errand.spi.NodeColumns;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;

/**
 * The one mapping of a node registry row to {@link NodeInfo}, for every SQL store, as {@link
 * JobRowMapper} is for jobs: which column holds which field, and how the queues and kinds are read
 * ({@link NodeColumns}, from their JSON text). A store supplies only how its database holds times
 * ({@link Decoding}).
 *
 * <p>Columns are read by position: each store's NodeList selects {@code id, queues, kinds,
 * started_at, reported_at, expires_at, details}, in that order, the queues, kinds and details as
 * JSON text.
 *
 * <p>Internal and unstable: for Errand's own SQL stores only.
 */
public final class NodeRowMapper {

  /** How a store's database holds a node's times. */
  @FunctionalInterface
  public interface Decoding {
    /** The time in column {@code column} of the current row. */
    Instant instant(ResultSet rs, int column) throws SQLException;
  }

  private final Decoding decoding;

  /** A mapper that decodes times with {@code decoding}. */
  public NodeRowMapper(Decoding decoding) {
    this.decoding = decoding;
  }

  /** The current row of a store's NodeList. */
  public NodeInfo read(ResultSet rs) throws SQLException {
    NodeColumns.Details details = NodeColumns.details(rs.getString(7));
    return new NodeInfo(
        rs.getString(1), // id
        NodeColumns.queues(rs.getString(2)),
        NodeColumns.kinds(rs.getString(3)),
        decoding.instant(rs, 4), // started_at
        decoding.instant(rs, 5), // reported_at
        decoding.instant(rs, 6), // expires_at
        details.leader(),
        details.periodicJobs(),
        details.attempts());
  }
}
