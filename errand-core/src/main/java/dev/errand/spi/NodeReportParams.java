package dev.errand.spi;

import java.time.Instant;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

/**
 * A node's report of itself to the registry; it replaces the node's previous entry whole.
 *
 * @param nodeId the node
 * @param queues the queues it works, each with its concurrency on the node
 * @param kinds the job kinds it has workers for
 * @param startedAt when the node started
 * @param now the time of the report
 * @param expiresAt when the entry stops counting unless the node reports again
 */
public record NodeReportParams(
    String nodeId,
    Map<String, Integer> queues,
    Set<String> kinds,
    Instant startedAt,
    Instant now,
    Instant expiresAt) {
  public NodeReportParams {
    Objects.requireNonNull(nodeId, "nodeId");
    queues = Map.copyOf(queues);
    kinds = Set.copyOf(kinds);
    Objects.requireNonNull(startedAt, "startedAt");
    Objects.requireNonNull(now, "now");
    Objects.requireNonNull(expiresAt, "expiresAt");
  }
}
