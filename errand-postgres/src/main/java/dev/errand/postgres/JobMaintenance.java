package dev.errand.postgres;

import static dev.errand.postgres.StoreContext.setTimestamp;

import dev.errand.jdbc.internal.Binder;
import dev.errand.jdbc.internal.JdbcRunner;
import dev.errand.spi.JobPruneParams;
import dev.errand.spi.JobRescueParams;
import dev.errand.spi.JobRescueResult;
import dev.errand.spi.JobStageParams;
import dev.errand.spi.JobStageResult;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The maintenance leader's statements: rescuing jobs whose lease expired (from where {@link
 * RescueWatermark} says), staging scheduled and retryable jobs that are due, and pruning finished
 * jobs, after which {@link VacuumSchedule} may vacuum.
 */
final class JobMaintenance {
  private final StoreContext ctx;
  private final JobDependencies dependencies;
  private final VacuumSchedule vacuum;
  private final RescueWatermark rescueWatermark = new RescueWatermark();

  JobMaintenance(StoreContext ctx, JobDependencies dependencies, VacuumSchedule vacuum) {
    this.ctx = ctx;
    this.dependencies = dependencies;
    this.vacuum = vacuum;
  }

  JobRescueResult jobRescueExpired(JobRescueParams params) {
    List<Long> retryable = new ArrayList<>();
    List<Long> discarded = new ArrayList<>();
    Instant start = rescueWatermark.start(params.now());
    ctx.jdbc.transaction(
        "rescue expired leases",
        c -> {
          Map<Long, String> ended = new LinkedHashMap<>();
          try (Binder b = ctx.planEachTime(c, "JobRescueExpired")) {
            setTimestamp(b, "now", params.now());
            setTimestamp(b, "watermark", start);
            b.setInt("limit", params.limit());
            try (ResultSet rs = b.executeQuery()) {
              while (rs.next()) {
                boolean isDiscarded = rs.getString(2).equals("discarded");
                (isDiscarded ? discarded : retryable).add(rs.getLong(1));
                if (isDiscarded && rs.getBoolean(3)) {
                  ended.put(rs.getLong(1), "discarded");
                }
              }
            }
          }
          Set<String> woken = new LinkedHashSet<>();
          dependencies.resolveDependents(c, ended, params.now(), woken);
          ctx.wake(c, woken);
          return null;
        });
    rescueWatermark.passed(
        start, params.now(), retryable.size() + discarded.size(), params.limit());
    return new JobRescueResult(retryable, discarded);
  }

  JobStageResult jobStage(JobStageParams params) {
    Map<String, Integer> staged = new HashMap<>();
    ctx.jdbc.run(
        "stage due jobs",
        c -> {
          try (Binder b = ctx.planEachTime(c, "JobStage")) {
            setTimestamp(b, "now", params.now());
            b.setInt("limit", params.limit()).setString("channel", ctx.channel);
            try (ResultSet rs = b.executeQuery()) {
              while (rs.next()) {
                staged.put(rs.getString(1), rs.getInt(2));
              }
            }
          }
          return null;
        });
    // Staged jobs keep their run time, which lies before the jobs enqueued since.
    ctx.hints.reset(staged.keySet());
    return new JobStageResult(staged);
  }

  int jobPrune(JobPruneParams params) {
    return ctx.jdbc.run(
        "prune finished jobs",
        c -> {
          int deleted = JdbcRunner.inTransaction(c, t -> prune(t, params));
          if (deleted < params.limit()) {
            vacuum.vacuumIfDue(c);
          }
          return deleted;
        });
  }

  /** Deletes a batch of finished jobs, unless another node is pruning (then none). */
  private int prune(Connection c, JobPruneParams params) throws SQLException {
    // One node prunes at a time: the others skip their turn instead of competing for rows.
    if (!tryLock(c, "errand.prune." + ctx.schema)) {
      return 0;
    }
    try (Binder b = ctx.planEachTime(c, "JobPrune")) {
      setTimestamp(b, "completedBefore", params.completedBefore());
      setTimestamp(b, "discardedBefore", params.discardedBefore());
      setTimestamp(b, "cancelledBefore", params.cancelledBefore());
      b.setInt("limit", params.limit());
      return b.executeUpdate();
    }
  }

  private boolean tryLock(Connection c, String key) throws SQLException {
    try (Binder b = ctx.prepare(c, "TryTransactionLock")) {
      b.setString("key", key);
      try (ResultSet rs = b.executeQuery()) {
        return rs.next() && rs.getBoolean(1);
      }
    }
  }
}
