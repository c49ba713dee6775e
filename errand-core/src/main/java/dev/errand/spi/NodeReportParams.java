package dev.errand.spi;

import dev.errand.AttemptTotals;
import dev.errand.PeriodicJobInfo;
import java.time.Instant;
import java.util.List;
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
 * @param leader whether the node is the maintenance leader now
 * @param periodicJobs the periodic jobs of its config, with their next slots
 * @param attempts the attempts its workers ended since it started, per queue
 */
public record NodeReportParams(
    String nodeId,
    Map<String, Integer> queues,
    Set<String> kinds,
    Instant startedAt,
    Instant now,
    Instant expiresAt,
    boolean leader,
    List<PeriodicJobInfo> periodicJobs,
    Map<String, AttemptTotals> attempts) {
  public NodeReportParams {
    Objects.requireNonNull(nodeId, "nodeId");
    queues = Map.copyOf(queues);
    kinds = Set.copyOf(kinds);
    Objects.requireNonNull(startedAt, "startedAt");
    Objects.requireNonNull(now, "now");
    Objects.requireNonNull(expiresAt, "expiresAt");
    periodicJobs = List.copyOf(periodicJobs);
    attempts = Map.copyOf(attempts);
  }

  /** The report of a node whose workers ended no attempt yet. */
  public NodeReportParams(
      String nodeId,
      Map<String, Integer> queues,
      Set<String> kinds,
      Instant startedAt,
      Instant now,
      Instant expiresAt,
      boolean leader,
      List<PeriodicJobInfo> periodicJobs) {
    this(nodeId, queues, kinds, startedAt, now, expiresAt, leader, periodicJobs, Map.of());
  }

  /** The report of a node that does not lead and has no periodic jobs. */
  public NodeReportParams(
      String nodeId,
      Map<String, Integer> queues,
      Set<String> kinds,
      Instant startedAt,
      Instant now,
      Instant expiresAt) {
    this(nodeId, queues, kinds, startedAt, now, expiresAt, false, List.of());
  }
}
