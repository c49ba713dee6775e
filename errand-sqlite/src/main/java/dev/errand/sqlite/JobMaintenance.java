package dev.errand.sqlite;

import dev.errand.AttemptError;
import dev.errand.jdbc.internal.Binder;
import dev.errand.spi.JobPruneParams;
import dev.errand.spi.JobRef;
import dev.errand.spi.JobRescueParams;
import dev.errand.spi.JobRescueResult;
import dev.errand.spi.JobStageParams;
import dev.errand.spi.JobStageResult;
import dev.errand.sqlite.JobFinishes.FinishRow;
import dev.errand.sqlite.JobFinishes.Finished;
import java.sql.ResultSet;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The maintenance leader's statements: rescuing jobs whose lease expired (written as failed
 * attempts through {@link JobFinishes}, so a late worker and the rescuer meet the same fence),
 * staging scheduled and retryable jobs that are due, and pruning finished jobs. Each round is one
 * write transaction bounded by its limit: while it runs, every other write of the file waits.
 */
final class JobMaintenance {
  private final StoreContext ctx;
  private final JobFinishes finishes;

  JobMaintenance(StoreContext ctx, JobFinishes finishes) {
    this.ctx = ctx;
    this.finishes = finishes;
  }

  JobRescueResult jobRescueExpired(JobRescueParams params) {
    List<Long> retryable = new ArrayList<>();
    List<Long> discarded = new ArrayList<>();
    Set<String> woken = new LinkedHashSet<>();
    ctx.write(
        "rescue expired leases",
        c -> {
          record Expired(
              JobRef ref, int maxAttempts, String owner, Instant expiredAt, Instant scheduledAt) {}
          List<Expired> expired = new ArrayList<>();
          Binder read =
              ctx.prepare(c, "JobExpired")
                  .setLong("now", JobRows.micros(params.now()))
                  .setInt("limit", params.limit());
          try (ResultSet rs = read.statement().executeQuery()) {
            while (rs.next()) {
              expired.add(
                  new Expired(
                      new JobRef(rs.getLong(1), rs.getInt(2)),
                      rs.getInt(3),
                      rs.getString(4),
                      JobRows.instant(rs.getLong(5)),
                      JobRows.instant(rs.getLong(6))));
            }
          }
          // The expired attempt counts as failed, written like a worker's failure: same fence.
          List<FinishRow> rows = new ArrayList<>(expired.size());
          for (Expired e : expired) {
            AttemptError error =
                AttemptError.of(
                    e.ref().attempt(),
                    params.now(),
                    "lease_expired",
                    "lease of " + e.owner() + " expired at " + e.expiredAt());
            rows.add(
                e.ref().attempt() >= e.maxAttempts()
                    ? new FinishRow(e.ref(), "discarded", 0, null, params.now(), error)
                    // Its run time is kept: it keeps its place ahead of the jobs enqueued since.
                    : new FinishRow(e.ref(), "retryable", 0, e.scheduledAt(), null, error));
          }
          for (Finished f : finishes.finish(c, rows, woken)) {
            (f.state().equals("discarded") ? discarded : retryable).add(f.id());
          }
          return null;
        });
    ctx.notifier.wake(woken);
    return new JobRescueResult(retryable, discarded);
  }

  JobStageResult jobStage(JobStageParams params) {
    Map<String, Integer> staged =
        ctx.write(
            "stage due jobs",
            c -> {
              Map<String, Integer> byQueue = new HashMap<>();
              Binder stage =
                  ctx.prepare(c, "JobStage")
                      .setLong("now", JobRows.micros(params.now()))
                      .setInt("limit", params.limit());
              try (ResultSet rs = stage.statement().executeQuery()) {
                while (rs.next()) {
                  byQueue.merge(rs.getString(1), 1, Integer::sum);
                }
              }
              return byQueue;
            });
    ctx.notifier.wake(staged.keySet());
    return new JobStageResult(staged);
  }

  int jobPrune(JobPruneParams params) {
    return ctx.write(
        "prune finished jobs",
        c -> {
          return ctx.prepare(c, "JobPrune")
              .setLong("completedBefore", JobRows.micros(params.completedBefore()))
              .setLong("discardedBefore", JobRows.micros(params.discardedBefore()))
              .setLong("cancelledBefore", JobRows.micros(params.cancelledBefore()))
              .setInt("limit", params.limit())
              .statement()
              .executeUpdate();
        });
  }
}
