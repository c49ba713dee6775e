package dev.errand.spi;

import java.time.Instant;
import java.util.List;

/**
 * @param owner the node holding the leases
 * @param jobs the attempts it runs
 * @param now the heartbeat's time, which a renewed job keeps as its {@link
 *     dev.errand.JobInfo#heartbeatAt()}
 * @param leaseExpiresAt the new end of their leases
 */
public record JobHeartbeatParams(
    String owner, List<JobRef> jobs, Instant now, Instant leaseExpiresAt) {
  public JobHeartbeatParams {
    jobs = List.copyOf(jobs);
  }
}
