package dev.errand.sqlite;

import dev.errand.JobInfo;
import dev.errand.jdbc.internal.Binder;
import dev.errand.spi.JobColumns;
import dev.errand.spi.JobFetchParams;
import dev.errand.spi.JobHeartbeatParams;
import dev.errand.spi.JobHeartbeatResult;
import dev.errand.spi.JobRef;
import dev.errand.spi.JobRules;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * Claims jobs under a lease (JobFetch) and renews the leases of the jobs a node still runs
 * (JobHeartbeat). Both are writes, each call one transaction in the writer's turn: a claim marks
 * the rows it returns running, so competing fetchers never receive the same job.
 */
final class JobClaims {
  private final StoreContext ctx;

  JobClaims(StoreContext ctx) {
    this.ctx = ctx;
  }

  List<JobInfo> jobFetch(JobFetchParams params) {
    List<JobInfo> jobs =
        ctx.write(
            "fetch jobs of queue '" + params.queue() + "'",
            c -> {
              Binder fetch =
                  ctx.prepare(c, "JobFetch")
                      .setLong("now", JobRows.micros(params.now()))
                      .setString("owner", params.owner())
                      .setLong("leaseExpiresAt", JobRows.micros(params.leaseExpiresAt()))
                      .setString("queue", params.queue())
                      .setInt("limit", params.limit())
                      .setNullableString(
                          "kinds",
                          params.kinds().isEmpty() ? null : JobColumns.json(params.kinds()));
              return JobRows.readAll(fetch.statement());
            });
    // RETURNING follows no order; the contract promises fetch order.
    jobs.sort(JobRules.FETCH_ORDER);
    return jobs;
  }

  JobHeartbeatResult jobHeartbeat(JobHeartbeatParams params) {
    if (params.jobs().isEmpty()) {
      return new JobHeartbeatResult(Set.of());
    }
    Set<Long> lost =
        ctx.write(
            "renew " + params.jobs().size() + " leases",
            c -> {
              Set<Long> notRenewed = new HashSet<>();
              Binder renew =
                  ctx.prepare(c, "JobHeartbeat")
                      .setLong("now", JobRows.micros(params.now()))
                      .setLong("leaseExpiresAt", JobRows.micros(params.leaseExpiresAt()))
                      .setString("owner", params.owner());
              for (JobRef ref : params.jobs()) {
                renew.setLong("id", ref.id()).setInt("attempt", ref.attempt());
                if (renew.statement().executeUpdate() == 0) {
                  notRenewed.add(ref.id());
                }
              }
              return notRenewed;
            });
    return new JobHeartbeatResult(lost);
  }
}
