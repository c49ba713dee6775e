package dev.errand.sqlite;

import dev.errand.AttemptError;
import dev.errand.jdbc.internal.Binder;
import dev.errand.spi.JobColumns;
import dev.errand.spi.JobFinish;
import dev.errand.spi.JobFinishManyParams;
import dev.errand.spi.JobFinishManyResult;
import dev.errand.spi.JobRef;
import dev.errand.spi.JobRules;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Records the results of attempts, a batch at a time, in one write transaction: every kind of
 * result in one JobFinishMany statement, which applies a result only while its job still runs at
 * the attempt that produced it. A result that ends a job others wait on is counted in its
 * dependents ({@link JobDependencies}), and a completion's follow-up jobs are inserted ({@link
 * JobInserts}), both in the same transaction. The rescuer writes its expired leases through {@link
 * #finish} too, so they meet the same fence.
 */
final class JobFinishes {
  private final StoreContext ctx;
  private final JobInserts inserts;
  private final JobDependencies dependencies;

  JobFinishes(StoreContext ctx, JobInserts inserts, JobDependencies dependencies) {
    this.ctx = ctx;
    this.inserts = inserts;
    this.dependencies = dependencies;
  }

  JobFinishManyResult jobFinishMany(JobFinishManyParams params) {
    if (params.results().isEmpty()) {
      return new JobFinishManyResult(Set.of());
    }
    List<FinishRow> rows = params.results().stream().map(JobFinishes::finishRow).toList();
    Set<String> woken = new LinkedHashSet<>();
    Set<Long> applied =
        ctx.write(
            "record " + rows.size() + " job results",
            c -> {
              Set<Long> done = new HashSet<>();
              for (Finished f : finish(c, rows, woken)) {
                done.add(f.id());
                if (f.state().equals("available")) {
                  woken.add(f.queue());
                }
              }
              // Follow-ups exist only if their parent's completion applied, in the same commit.
              for (JobFinish result : params.results()) {
                if (result instanceof JobFinish.Completed completed
                    && !completed.followUps().isEmpty()
                    && done.contains(completed.ref().id())) {
                  inserts.insert(c, completed.followUps(), completed.at(), woken);
                }
              }
              return done;
            });
    ctx.notifier.wake(woken);
    return new JobFinishManyResult(applied);
  }

  /** One result as the JobFinishMany statement takes it. */
  record FinishRow(
      JobRef ref,
      String state,
      int attemptDelta,
      Instant scheduledAt,
      Instant finalizedAt,
      AttemptError error) {}

  /** A result that applied: its job, queue and new state. */
  record Finished(long id, String queue, String state) {}

  private static FinishRow finishRow(JobFinish result) {
    return switch (result) {
      case JobFinish.Completed c -> new FinishRow(c.ref(), "completed", 0, null, c.at(), null);
      case JobFinish.Failed f ->
          f.retryAt() == null
              ? new FinishRow(f.ref(), "discarded", 0, null, f.at(), f.error())
              : new FinishRow(f.ref(), "retryable", 0, f.retryAt(), null, f.error());
      case JobFinish.Snoozed s ->
          new FinishRow(
              s.ref(),
              JobColumns.stateName(JobRules.runnableState(s.runAt(), s.at())),
              -1,
              s.runAt(),
              null,
              null);
      case JobFinish.Cancelled x ->
          new FinishRow(x.ref(), "cancelled", 0, null, x.at(), x.reason());
      case JobFinish.Released r -> new FinishRow(r.ref(), "available", -1, r.at(), null, null);
    };
  }

  /**
   * Writes {@code rows}, then counts the end of each job that reached a final state and has
   * dependents in those dependents, in the same transaction; adds the queues of dependents made
   * available to {@code woken}.
   */
  List<Finished> finish(SqliteConnections.Session c, List<FinishRow> rows, Set<String> woken)
      throws SQLException {
    List<Finished> applied = new ArrayList<>(rows.size());
    List<Finished> endedWithDependents = new ArrayList<>();
    Binder finish = ctx.prepare(c, "JobFinishMany").setString("results", JobRows.finishJson(rows));
    try (ResultSet rs = finish.statement().executeQuery()) {
      while (rs.next()) {
        Finished f = new Finished(rs.getLong(1), rs.getString(2), rs.getString(3));
        applied.add(f);
        if (rs.getInt(4) == 1 && JobColumns.state(f.state()).isFinal()) {
          endedWithDependents.add(f);
        }
      }
    }
    if (!endedWithDependents.isEmpty()) {
      Map<Long, FinishRow> byId = new HashMap<>();
      rows.forEach(r -> byId.put(r.ref().id(), r));
      for (Finished f : endedWithDependents) {
        Instant at = byId.get(f.id()).finalizedAt();
        dependencies.resolveDependents(c, f.id(), JobColumns.state(f.state()), at, woken);
      }
    }
    return applied;
  }
}
