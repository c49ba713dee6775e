package dev.errand.postgres;

import static dev.errand.postgres.StoreContext.setTimestamp;

import dev.errand.JobInfo;
import dev.errand.jdbc.internal.Binder;
import dev.errand.spi.JobColumns;
import dev.errand.spi.JobFetchParams;
import dev.errand.spi.JobHeartbeatParams;
import dev.errand.spi.JobHeartbeatResult;
import dev.errand.spi.JobRef;
import dev.errand.spi.JobRules;
import java.sql.ResultSet;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Claims jobs under a lease (JobFetch, which starts where this store's {@link FetchHints} say) and
 * renews the leases of the jobs a node still runs (JobHeartbeat).
 */
final class JobClaims {
  private final StoreContext ctx;

  JobClaims(StoreContext ctx) {
    this.ctx = ctx;
  }

  List<JobInfo> jobFetch(JobFetchParams params) {
    FetchHints.Start start = ctx.hints.start(params.queue(), params.kinds());
    long began = System.nanoTime();
    return ctx.jdbc.run(
        "fetch jobs of queue '" + params.queue() + "'",
        c -> {
          try (Binder b = ctx.planEachTime(c, "JobFetch")) {
            FetchHints.Key ahead = start.aheadOrHead();
            FetchHints.Key key = start.key();
            setTimestamp(b, "now", params.now());
            b.setString("owner", params.owner())
                .setString("queue", params.queue())
                .setArray("kinds", c.createArrayOf("text", params.kinds().toArray()))
                .setShort("aheadPriority", (short) ahead.priority())
                .setLong("aheadId", ahead.id())
                .setShort("aheadEndsBeforePriority", (short) start.aheadEndsBeforePriority())
                .setShort("keyPriority", (short) key.priority())
                .setLong("keyId", key.id())
                .setInt("limit", params.limit());
            setTimestamp(b, "leaseExpiresAt", params.leaseExpiresAt());
            setTimestamp(b, "aheadScheduledAt", ahead.scheduledAt());
            setTimestamp(b, "keyScheduledAt", key.scheduledAt());
            List<JobInfo> jobs = new ArrayList<>();
            try (ResultSet rs = b.executeQuery()) {
              while (rs.next()) {
                jobs.add(JobRows.readClaimed(rs, params));
              }
            }
            // RETURNING follows no order; the contract promises fetch order.
            jobs.sort(JobRules.FETCH_ORDER);
            ctx.hints.claimed(
                params.queue(),
                params.kinds(),
                start,
                jobs,
                params.limit(),
                Duration.ofNanos(System.nanoTime() - began));
            return jobs;
          }
        });
  }

  JobHeartbeatResult jobHeartbeat(JobHeartbeatParams params) {
    if (params.jobs().isEmpty()) {
      return new JobHeartbeatResult(Set.of());
    }
    int n = params.jobs().size();
    Long[] ids = new Long[n];
    // Keyed by job id, as JobHeartbeat looks each up: the attempt whose lease is renewed.
    Map<String, Integer> held = new LinkedHashMap<>();
    for (int i = 0; i < n; i++) {
      JobRef ref = params.jobs().get(i);
      ids[i] = ref.id();
      held.put(Long.toString(ref.id()), ref.attempt());
    }
    Set<Long> lost = new HashSet<>(List.of(ids));
    ctx.jdbc.run(
        "renew " + n + " leases",
        c -> {
          try (Binder b = ctx.planEachTime(c, "JobHeartbeat")) {
            setTimestamp(b, "leaseExpiresAt", params.leaseExpiresAt());
            setTimestamp(b, "now", params.now());
            b.setString("held", JobColumns.json(held))
                .setArray("ids", c.createArrayOf("int8", ids))
                .setString("owner", params.owner());
            try (ResultSet rs = b.executeQuery()) {
              while (rs.next()) {
                lost.remove(rs.getLong(1));
              }
            }
          }
          return null;
        });
    return new JobHeartbeatResult(lost);
  }
}
