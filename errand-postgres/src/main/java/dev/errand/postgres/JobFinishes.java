package dev.errand.postgres;

import dev.errand.jdbc.internal.Binder;
import dev.errand.jdbc.internal.JdbcRunner;
import dev.errand.spi.JobColumns;
import dev.errand.spi.JobFinish;
import dev.errand.spi.JobFinishManyParams;
import dev.errand.spi.JobFinishManyResult;
import dev.errand.spi.JobInsertManyParams;
import dev.errand.spi.JobRules;
import dev.errand.spi.NewJob;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Records the results of attempts, a batch at a time: plain completions in the cheapest statement
 * (JobCompleteMany), any other mix in JobFinishMany; a result that ends a job others wait on is
 * written again in a transaction with its dependents, and a completion's follow-up jobs are
 * inserted in the transaction that records it.
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
    List<JobFinish> results = new ArrayList<>(params.results());
    if (results.isEmpty()) {
      return new JobFinishManyResult(Set.of());
    }
    // A fixed lock order keeps two batches that share rows from deadlocking.
    results.sort(Comparator.comparingLong(r -> r.ref().id()));
    if (results.stream()
        .allMatch(r -> r instanceof JobFinish.Completed c && c.followUps().isEmpty())) {
      return completeMany(results);
    }
    return finishMany(results, false);
  }

  /**
   * Writes {@code results} in one statement. Autocommitted when nothing else must commit with it:
   * then a result that would end a job others wait on (has_dependents) is left out, and written
   * again by a second call {@code inTransaction}, together with the update of its dependents. So
   * jobs nothing waits on pay nothing for dependencies; the statement's re-check of a row it waited
   * for sees has_dependents set by a concurrent JobDependenciesLock.
   */
  private JobFinishManyResult finishMany(List<JobFinish> results, boolean inTransaction) {
    int n = results.size();
    Map<Long, JobFinish.Completed> followUps = new HashMap<>();
    Long[] ids = new Long[n];
    // Keyed by job id, as JobFinishMany looks each result up; absent fields read as NULL.
    Map<String, Map<String, Object>> byId = new LinkedHashMap<>();
    for (int i = 0; i < n; i++) {
      JobFinish r = results.get(i);
      ids[i] = r.ref().id();
      byId.put(Long.toString(r.ref().id()), row(r));
      if (r instanceof JobFinish.Completed x && !x.followUps().isEmpty()) {
        followUps.put(x.ref().id(), x);
      }
    }
    Set<Long> applied = new HashSet<>();
    Instant latest = results.stream().map(JobFinish::at).max(Comparator.naturalOrder()).get();
    // Follow-up jobs must commit together with their parent's completion.
    boolean transaction = inTransaction || !followUps.isEmpty();
    JdbcRunner.Work<Void> write =
        c -> {
          Set<String> woken = new LinkedHashSet<>();
          Map<Long, String> ended = new LinkedHashMap<>();
          try (Binder b = ctx.planEachTime(c, "JobFinishMany")) {
            b.setString("results", JobColumns.json(byId))
                .setArray("ids", c.createArrayOf("int8", ids))
                .setBoolean("inTransaction", transaction);
            try (ResultSet rs = b.executeQuery()) {
              while (rs.next()) {
                applied.add(rs.getLong(1));
                String state = rs.getString(3);
                if ("available".equals(state)) {
                  woken.add(rs.getString(2));
                } else if (rs.getBoolean(4) && JobColumns.state(state).isFinal()) {
                  ended.put(rs.getLong(1), state);
                }
              }
            }
          }
          insertFollowUps(c, followUps.values(), applied);
          dependencies.resolveDependents(c, ended, latest, woken);
          ctx.wake(c, woken);
          return null;
        };
    ctx.jdbc.run(
        "record " + n + " job results",
        c -> transaction ? JdbcRunner.inTransaction(c, write) : write.run(c));
    return withLeftOut(results, applied, transaction);
  }

  /** The changes JobFinishMany makes for {@code r}, by field name. */
  private static Map<String, Object> row(JobFinish r) {
    Map<String, Object> row = new HashMap<>();
    row.put("attempt", r.ref().attempt());
    row.put("attemptDelta", 0);
    String at = r.at().toString();
    switch (r) {
      case JobFinish.Completed x -> {
        row.put("state", "completed");
        row.put("finalizedAt", at);
      }
      case JobFinish.Failed f -> {
        row.put("error", JobColumns.errorJson(f.error()));
        if (f.retryAt() == null) {
          row.put("state", "discarded");
          row.put("finalizedAt", at);
        } else {
          row.put("state", "retryable");
          row.put("scheduledAt", f.retryAt().toString());
        }
      }
      case JobFinish.Snoozed sn -> {
        row.put("state", JobColumns.stateName(JobRules.runnableState(sn.runAt(), sn.at())));
        row.put("scheduledAt", sn.runAt().toString());
        row.put("attemptDelta", -1);
      }
      case JobFinish.Cancelled x -> {
        row.put("state", "cancelled");
        row.put("finalizedAt", at);
        row.put("error", JobColumns.errorJson(x.reason()));
      }
      case JobFinish.Released x -> {
        row.put("state", "available");
        row.put("scheduledAt", at);
        row.put("attemptDelta", -1);
      }
    }
    return row;
  }

  /**
   * Inserts the follow-up jobs of the completions that were {@code applied}, at the time of the
   * latest of them.
   */
  private void insertFollowUps(
      Connection c, Iterable<JobFinish.Completed> completions, Set<Long> applied)
      throws SQLException {
    List<NewJob> toInsert = new ArrayList<>();
    Instant insertedAt = null;
    for (JobFinish.Completed completed : completions) {
      if (applied.contains(completed.ref().id())) {
        toInsert.addAll(completed.followUps());
        insertedAt =
            insertedAt == null || completed.at().isAfter(insertedAt) ? completed.at() : insertedAt;
      }
    }
    if (!toInsert.isEmpty()) {
      inserts.insert(c, new JobInsertManyParams(toInsert, insertedAt));
    }
  }

  /**
   * {@code applied}, plus what a transactional write applies of the results an autocommitted one
   * left out: those of jobs others wait on, and those fenced out (rare; fenced out again).
   */
  private JobFinishManyResult withLeftOut(
      List<JobFinish> results, Set<Long> applied, boolean wasTransaction) {
    if (wasTransaction || applied.size() == results.size()) {
      return new JobFinishManyResult(applied);
    }
    List<JobFinish> leftOut =
        results.stream().filter(r -> !applied.contains(r.ref().id())).toList();
    Set<Long> all = new HashSet<>(applied);
    all.addAll(finishMany(leftOut, true).applied());
    return new JobFinishManyResult(all);
  }

  private JobFinishManyResult completeMany(List<JobFinish> completions) {
    int n = completions.size();
    Long[] ids = new Long[n];
    // Keyed by job id, as JobCompleteMany looks each up: {"id": [attempt, "finalized at"]}. Built
    // by hand: numbers and ISO-8601 instants need no escaping, and this runs for every job.
    StringBuilder held = new StringBuilder(n * 48).append('{');
    for (int i = 0; i < n; i++) {
      JobFinish c = completions.get(i);
      ids[i] = c.ref().id();
      held.append(i == 0 ? "\"" : ",\"").append(c.ref().id()).append("\":[");
      held.append(c.ref().attempt()).append(",\"").append(c.at()).append("\"]");
    }
    held.append('}');
    Set<Long> applied = new HashSet<>();
    // Autocommitted, leaving out jobs others wait on: see finishMany.
    ctx.jdbc.run(
        "record " + n + " completions",
        c -> {
          try (Binder b = ctx.planEachTime(c, "JobCompleteMany")) {
            b.setString("held", held.toString()).setArray("ids", c.createArrayOf("int8", ids));
            try (ResultSet rs = b.executeQuery()) {
              while (rs.next()) {
                applied.add(rs.getLong(1));
              }
            }
          }
          return null;
        });
    return withLeftOut(completions, applied, false);
  }
}
