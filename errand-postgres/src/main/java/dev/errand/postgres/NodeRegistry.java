package dev.errand.postgres;

import static dev.errand.postgres.StoreContext.setTimestamp;

import dev.errand.NodeInfo;
import dev.errand.jdbc.internal.Binder;
import dev.errand.jdbc.internal.NodeRowMapper;
import dev.errand.spi.NodeColumns;
import dev.errand.spi.NodeListParams;
import dev.errand.spi.NodePruneParams;
import dev.errand.spi.NodeRemoveParams;
import dev.errand.spi.NodeReportParams;
import java.sql.ResultSet;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.List;

/** The nodes that work this store: each one's last report, until it expires or leaves. */
final class NodeRegistry {
  /** Times are {@code timestamptz}, read as {@link OffsetDateTime}. */
  private static final NodeRowMapper ROWS =
      new NodeRowMapper((rs, column) -> rs.getObject(column, OffsetDateTime.class).toInstant());

  private final StoreContext ctx;

  NodeRegistry(StoreContext ctx) {
    this.ctx = ctx;
  }

  void nodeReport(NodeReportParams params) {
    ctx.jdbc.run(
        "record the report of node " + params.nodeId(),
        c -> {
          try (Binder b = ctx.prepare(c, "NodeReport")) {
            b.setString("id", params.nodeId())
                .setString("queues", NodeColumns.queuesJson(params.queues()))
                .setString("kinds", NodeColumns.kindsJson(params.kinds()))
                .setString(
                    "details",
                    NodeColumns.detailsJson(
                        params.leader(), params.periodicJobs(), params.attempts()));
            setTimestamp(b, "startedAt", params.startedAt());
            setTimestamp(b, "now", params.now());
            setTimestamp(b, "expiresAt", params.expiresAt());
            return b.executeUpdate();
          }
        });
  }

  /** The database server's clock, which each node compares with its own. */
  Instant time() {
    return ctx.jdbc.run(
        "read the database's clock",
        c -> {
          try (Binder b = ctx.prepare(c, "StoreTime");
              ResultSet rs = b.executeQuery()) {
            rs.next();
            return rs.getObject(1, OffsetDateTime.class).toInstant();
          }
        });
  }

  void nodeRemove(NodeRemoveParams params) {
    ctx.jdbc.run(
        "remove node " + params.nodeId(),
        c -> {
          try (Binder b = ctx.prepare(c, "NodeRemove")) {
            b.setString("id", params.nodeId());
            return b.executeUpdate();
          }
        });
  }

  List<NodeInfo> nodeList(NodeListParams params) {
    return ctx.jdbc.run(
        "list nodes",
        c -> {
          try (Binder b = ctx.prepare(c, "NodeList")) {
            setTimestamp(b, "now", params.now());
            List<NodeInfo> nodes = new ArrayList<>();
            try (ResultSet rs = b.executeQuery()) {
              while (rs.next()) {
                nodes.add(ROWS.read(rs));
              }
            }
            return nodes;
          }
        });
  }

  int nodePrune(NodePruneParams params) {
    return ctx.jdbc.run(
        "prune expired nodes",
        c -> {
          try (Binder b = ctx.prepare(c, "NodePrune")) {
            setTimestamp(b, "now", params.now());
            return b.executeUpdate();
          }
        });
  }
}
