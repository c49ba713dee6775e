package dev.errand;

import java.time.Instant;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * A node as it last reported itself to the store's node registry, as {@link Errand#nodes()} lists
 * it. Each started node reports every {@link Config#nodeReportInterval()}; its entry counts until
 * {@code expiresAt} unless the node reports again, so a node that dies without stopping drops out
 * on its own.
 *
 * @param id the node's {@link Config#nodeId()}
 * @param queues the queues it works, by name (in name order), each with its concurrency there
 * @param kinds the job kinds it has workers for (in name order): the only kinds it claims
 * @param startedAt when the node started, by its clock
 * @param reportedAt when it last reported, by its clock
 * @param expiresAt when its entry stops counting unless it reports again
 * @param leader whether it was the maintenance leader when it reported
 * @param periodicJobs the periodic jobs of its config, as {@link Errand#cron()} lists them when it
 *     reported
 * @param attempts the attempts its workers ended since it started, per queue, when it reported
 */
public record NodeInfo(
    String id,
    Map<String, Integer> queues,
    Set<String> kinds,
    Instant startedAt,
    Instant reportedAt,
    Instant expiresAt,
    boolean leader,
    List<PeriodicJobInfo> periodicJobs,
    Map<String, AttemptTotals> attempts) {
  public NodeInfo {
    Objects.requireNonNull(id, "id");
    queues = Collections.unmodifiableSortedMap(new TreeMap<>(queues));
    kinds = Collections.unmodifiableSortedSet(new TreeSet<>(kinds));
    Objects.requireNonNull(startedAt, "startedAt");
    Objects.requireNonNull(reportedAt, "reportedAt");
    Objects.requireNonNull(expiresAt, "expiresAt");
    periodicJobs = List.copyOf(periodicJobs);
    attempts = Collections.unmodifiableSortedMap(new TreeMap<>(attempts));
  }

  /** A node whose workers ended no attempt yet. */
  public NodeInfo(
      String id,
      Map<String, Integer> queues,
      Set<String> kinds,
      Instant startedAt,
      Instant reportedAt,
      Instant expiresAt,
      boolean leader,
      List<PeriodicJobInfo> periodicJobs) {
    this(id, queues, kinds, startedAt, reportedAt, expiresAt, leader, periodicJobs, Map.of());
  }

  /** A node that does not lead and has no periodic jobs. */
  public NodeInfo(
      String id,
      Map<String, Integer> queues,
      Set<String> kinds,
      Instant startedAt,
      Instant reportedAt,
      Instant expiresAt) {
    this(id, queues, kinds, startedAt, reportedAt, expiresAt, false, List.of());
  }

  /** Whether this node works {@code queue}. */
  public boolean works(String queue) {
    return queues.containsKey(queue);
  }

  /** Whether this node claims jobs of {@code kind} in {@code queue}. */
  public boolean works(String queue, String kind) {
    return queues.containsKey(queue) && kinds.contains(kind);
  }
}
