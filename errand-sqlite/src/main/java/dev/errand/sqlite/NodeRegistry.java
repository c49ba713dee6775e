package dev.errand.sqlite;

import dev.errand.NodeInfo;
import dev.errand.jdbc.internal.Binder;
import dev.errand.jdbc.internal.NodeRowMapper;
import dev.errand.spi.NodeColumns;
import dev.errand.spi.NodeListParams;
import dev.errand.spi.NodePruneParams;
import dev.errand.spi.NodeRemoveParams;
import dev.errand.spi.NodeReportParams;
import java.sql.ResultSet;
import java.util.ArrayList;
import java.util.List;

/**
 * The nodes that work this file: each one's last report, until it expires or leaves. Within one
 * process there is one node per file, but the engine reads the registry through the store as on any
 * other. Rows are mapped by {@link NodeRowMapper}, shared with the PostgreSQL store.
 */
final class NodeRegistry {
  /** Times are microseconds since the epoch, as in job rows ({@link JobRows}). */
  private static final NodeRowMapper ROWS =
      new NodeRowMapper((rs, column) -> JobRows.instant(rs.getLong(column)));

  private final StoreContext ctx;

  NodeRegistry(StoreContext ctx) {
    this.ctx = ctx;
  }

  void nodeReport(NodeReportParams params) {
    ctx.write(
        "record the report of node " + params.nodeId(),
        c -> {
          return ctx.prepare(c, "NodeReport")
              .setString("id", params.nodeId())
              .setString("queues", NodeColumns.queuesJson(params.queues()))
              .setString("kinds", NodeColumns.kindsJson(params.kinds()))
              .setString(
                  "details",
                  NodeColumns.detailsJson(
                      params.leader(), params.periodicJobs(), params.attempts()))
              .setLong("startedAt", JobRows.micros(params.startedAt()))
              .setLong("now", JobRows.micros(params.now()))
              .setLong("expiresAt", JobRows.micros(params.expiresAt()))
              .statement()
              .executeUpdate();
        });
  }

  void nodeRemove(NodeRemoveParams params) {
    ctx.writeOne("remove node " + params.nodeId(), "NodeRemove", "id", params.nodeId());
  }

  List<NodeInfo> nodeList(NodeListParams params) {
    return ctx.read(
        "list nodes",
        c -> {
          Binder list = ctx.prepare(c, "NodeList").setLong("now", JobRows.micros(params.now()));
          List<NodeInfo> nodes = new ArrayList<>();
          try (ResultSet rs = list.statement().executeQuery()) {
            while (rs.next()) {
              nodes.add(ROWS.read(rs));
            }
          }
          return nodes;
        });
  }

  int nodePrune(NodePruneParams params) {
    return ctx.write(
        "prune expired nodes",
        c -> {
          return ctx.prepare(c, "NodePrune")
              .setLong("now", JobRows.micros(params.now()))
              .statement()
              .executeUpdate();
        });
  }
}
