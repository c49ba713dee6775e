package dev.errand.spi;

import java.time.Instant;

/**
 * @param queue the queue to fetch from
 * @param limit the most jobs to claim, at least 1
 * @param owner the node that will hold the leases
 * @param now the fetch time: becomes each job's {@code attemptedAt}; jobs scheduled after it are
 *     not fetched
 * @param leaseExpiresAt when the leases end unless renewed by {@link Store#jobHeartbeat}
 */
public record JobFetchParams(
    String queue, int limit, String owner, Instant now, Instant leaseExpiresAt) {}
