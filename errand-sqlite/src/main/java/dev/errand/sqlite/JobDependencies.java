package dev.errand.sqlite;

import dev.errand.DependencyFailure;
import dev.errand.Enqueued;
import dev.errand.JobState;
import dev.errand.StoreException;
import dev.errand.UnknownDependencyException;
import dev.errand.jdbc.internal.Binder;
import dev.errand.spi.JobColumns;
import dev.errand.spi.JobRules;
import dev.errand.spi.NewJob;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Types;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Jobs that wait on others: inserting them (in the state their dependencies' states give them, with
 * a row per unfinished dependency in job_dependency) and counting the end of a job in the jobs that
 * wait on it, which releases or cancels them. Both run inside the caller's write transaction: with
 * one writer, no other write comes between the read of a state and the rows that depend on it, so
 * counting needs no locks.
 */
final class JobDependencies {
  private final StoreContext ctx;

  JobDependencies(StoreContext ctx) {
    this.ctx = ctx;
  }

  /**
   * Inserts a job that waits on others: counts the dependencies that already ended, stores the job
   * in the state that follows ({@link NewJob#start}), and records those still to end in
   * job_dependency, marking them has_dependents so that their end is counted. Inside the caller's
   * write transaction, so no dependency can end between the read of its state and the rows.
   */
  Enqueued insertWithDependencies(SqliteConnections.Session c, NewJob job, Instant now)
      throws SQLException {
    Map<Long, JobState> states = new HashMap<>();
    Binder read =
        ctx.prepare(c, "JobDependencyStates").setString("ids", JobColumns.json(job.dependsOn()));
    try (ResultSet rs = read.statement().executeQuery()) {
      while (rs.next()) {
        states.put(rs.getLong(1), JobColumns.state(rs.getString(2)));
      }
    }
    List<Long> unfinished = new ArrayList<>();
    for (long id : job.dependsOn()) {
      JobState state = states.get(id);
      if (state == null) {
        throw new UnknownDependencyException(id);
      }
      if (!state.isFinal()) {
        unfinished.add(id);
      }
    }
    NewJob.Start start = job.start(states, now);
    Binder insert =
        ctx.prepare(c, "JobInsertWithDependencies")
            .setString("state", JobColumns.stateName(start.state()))
            .setString("queue", job.queue())
            .setString("kind", job.kind())
            .setString("args", job.argsJson())
            .setInt("priority", job.priority())
            .setInt("maxAttempts", job.maxAttempts())
            .setLong("createdAt", JobRows.micros(now))
            .setLong("scheduledAt", JobRows.micros(job.scheduledAt()));
    if (start.cancellation() != null) {
      insert.setLong("finalizedAt", JobRows.micros(now));
    } else {
      insert.setNull("finalizedAt", Types.INTEGER);
    }
    insert
        .setString("tags", job.tags().isEmpty() ? "[]" : JobColumns.json(job.tags()))
        .setString("metadata", job.metadata().isEmpty() ? "{}" : JobColumns.json(job.metadata()))
        .setString(
            "errors",
            start.cancellation() == null
                ? "[]"
                : "[" + JobColumns.errorJson(start.cancellation()) + "]")
        .setInt("depsWaiting", start.dependencies().waiting())
        .setInt("depsCompleted", start.dependencies().completed())
        .setInt("depsDiscarded", start.dependencies().discarded())
        .setInt("depsCancelled", start.dependencies().cancelled())
        .setInt(
            "cancelOnDependencyFailure",
            job.ifDependencyFails() == DependencyFailure.CANCEL ? 1 : 0);
    long id;
    try (ResultSet rs = insert.statement().executeQuery()) {
      if (!rs.next()) {
        throw new StoreException("inserted no job");
      }
      id = rs.getLong(1);
    }
    if (!unfinished.isEmpty()) {
      ctx.prepare(c, "JobDependenciesMark")
          .setString("ids", JobColumns.json(unfinished))
          .statement()
          .executeUpdate();
      Binder edge = ctx.prepare(c, "JobDependencyInsert").setLong("jobId", id);
      for (long dependency : unfinished) {
        edge.setLong("dependsOnId", dependency).statement().executeUpdate();
      }
    }
    return new Enqueued(id, start.state(), false);
  }

  /**
   * Counts the end of job {@code id}, as {@code outcome}, in every job waiting on it, inside the
   * caller's write transaction, as the memory store does: a pending job whose last dependency ended
   * becomes runnable, one with policy CANCEL is cancelled by a failed dependency, and that
   * cancellation is counted in its own dependents in turn. Adds the queues of jobs made available
   * to {@code woken}. Called only for jobs marked has_dependents: others cost nothing.
   */
  void resolveDependents(
      SqliteConnections.Session c, long id, JobState outcome, Instant at, Set<String> woken)
      throws SQLException {
    record Ended(long id, JobState outcome) {}
    Deque<Ended> ended = new ArrayDeque<>();
    ended.add(new Ended(id, outcome));
    for (Ended e = ended.poll(); e != null; e = ended.poll()) {
      List<Long> dependents = new ArrayList<>();
      Binder take = ctx.prepare(c, "JobDependencyTake").setLong("id", e.id());
      try (ResultSet rs = take.statement().executeQuery()) {
        while (rs.next()) {
          dependents.add(rs.getLong(1));
        }
      }
      for (long dependent : dependents) {
        Binder count =
            ctx.prepare(c, "JobDependencyCount")
                .setLong("id", dependent)
                .setString("outcome", JobColumns.stateName(e.outcome()));
        String state;
        String queue;
        int waiting;
        boolean cancelOnFailure;
        Instant scheduledAt;
        try (ResultSet rs = count.statement().executeQuery()) {
          if (!rs.next()) {
            continue;
          }
          state = rs.getString(1);
          queue = rs.getString(2);
          waiting = rs.getInt(3);
          cancelOnFailure = rs.getInt(4) == 1;
          scheduledAt = JobRows.instant(rs.getLong(5));
        }
        JobState current = JobColumns.state(state);
        JobState next =
            JobRules.afterDependencyEnded(
                current, e.outcome(), cancelOnFailure, waiting, scheduledAt, at);
        if (next == current) {
          continue; // still waiting, or cancelled or retried by hand meanwhile: only counted
        }
        if (next == JobState.CANCELLED) {
          ctx.prepare(c, "JobDependentCancel")
              .setLong("id", dependent)
              .setLong("finalizedAt", JobRows.micros(at))
              .setString(
                  "error",
                  JobColumns.errorJson(DependencyFailure.cancellation(e.id(), e.outcome(), at)))
              .statement()
              .executeUpdate();
          ended.add(new Ended(dependent, JobState.CANCELLED));
        } else {
          ctx.prepare(c, "JobDependentRelease")
              .setLong("id", dependent)
              .setString("state", JobColumns.stateName(next))
              .statement()
              .executeUpdate();
          if (next == JobState.AVAILABLE) {
            woken.add(queue);
          }
        }
      }
    }
  }
}
