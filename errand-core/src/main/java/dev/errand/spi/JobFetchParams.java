package dev.errand.spi;

import java.time.Instant;
import java.util.Objects;
import java.util.Set;

/**
 * @param queue the queue to fetch from
 * @param kinds only jobs of these kinds; empty means any kind (external workers fetch only the
 *     kinds they can work, so that the others stay available for someone who can)
 * @param limit the most jobs to claim, at least 1
 * @param owner the node that will hold the leases
 * @param now the fetch time: becomes each job's {@code attemptedAt}; jobs scheduled after it are
 *     not fetched
 * @param leaseExpiresAt when the leases end unless renewed by {@link Store#jobHeartbeat}
 */
public record JobFetchParams(
    String queue, Set<String> kinds, int limit, String owner, Instant now, Instant leaseExpiresAt) {

  public JobFetchParams {
    Objects.requireNonNull(queue, "queue");
    kinds = Set.copyOf(kinds);
  }

  /** A fetch of any kind. */
  public JobFetchParams(
      String queue, int limit, String owner, Instant now, Instant leaseExpiresAt) {
    this(queue, Set.of(), limit, owner, now, leaseExpiresAt);
  }
}
