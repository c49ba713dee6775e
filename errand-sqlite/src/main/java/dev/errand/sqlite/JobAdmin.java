package dev.errand.sqlite;

import dev.errand.AttemptError;
import dev.errand.DuplicateJobException;
import dev.errand.JobEdges;
import dev.errand.JobInfo;
import dev.errand.JobOrder;
import dev.errand.JobQuery;
import dev.errand.JobState;
import dev.errand.jdbc.internal.Binder;
import dev.errand.spi.JobCancelParams;
import dev.errand.spi.JobColumns;
import dev.errand.spi.JobDeleteParams;
import dev.errand.spi.JobEdgesParams;
import dev.errand.spi.JobRetryParams;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * What an operator does to single jobs ({@code errand.jobs()}): look one up, list them (both on a
 * reader), cancel, retry or delete one (each a write transaction). A job cancelled or deleted
 * before it ended counts as cancelled in the jobs that wait on it.
 */
final class JobAdmin {
  /** The statements the JobList block expands into, by the {@code {direction}} of each. */
  static final Map<String, String> LIST_DIRECTIONS =
      Map.of("JobListOldestFirst", "ASC", "JobListNewestFirst", "DESC");

  private final StoreContext ctx;
  private final JobDependencies dependencies;

  JobAdmin(StoreContext ctx, JobDependencies dependencies) {
    this.ctx = ctx;
    this.dependencies = dependencies;
  }

  Optional<JobInfo> jobGet(long id) {
    return ctx.read("get job " + id, c -> get(c, id));
  }

  private Optional<JobInfo> get(SqliteConnections.Session c, long id) throws SQLException {
    List<JobInfo> jobs = JobRows.readAll(ctx.prepare(c, "JobGet").setLong("id", id).statement());
    return jobs.isEmpty() ? Optional.empty() : Optional.of(jobs.get(0));
  }

  JobEdges jobEdges(JobEdgesParams params) {
    return ctx.read(
        "read the edges of job " + params.id(),
        c -> {
          List<Long> dependencies = new ArrayList<>();
          List<Long> dependents = new ArrayList<>();
          Binder edges =
              ctx.prepare(c, "JobEdges")
                  .setLong("id", params.id())
                  .setInt("limit", params.limit() + 1);
          try (ResultSet rs = edges.statement().executeQuery()) {
            while (rs.next()) {
              (rs.getBoolean(1) ? dependencies : dependents).add(rs.getLong(2));
            }
          }
          return JobEdges.fromOneExtra(dependencies, dependents, params.limit());
        });
  }

  private static String listStatement(JobQuery query) {
    return query.order() == JobOrder.NEWEST_FIRST ? "JobListNewestFirst" : "JobListOldestFirst";
  }

  List<JobInfo> jobList(JobQuery query) {
    return ctx.read(
        "list jobs",
        c -> {
          Binder list =
              ctx.prepare(c, listStatement(query))
                  .setLong("minId", query.minId())
                  .setLong("maxId", query.maxId())
                  .setNullableString(
                      "states",
                      query.states().isEmpty()
                          ? null
                          : JobColumns.json(
                              query.states().stream().map(JobColumns::stateName).toList()))
                  .setNullableString("queue", query.queue())
                  .setNullableString("kind", query.kind())
                  .setNullableString("tag", query.tag())
                  .setNullableString("args", argsPaths(query))
                  .setNullableString(
                      "metadata",
                      query.metadata().isEmpty() ? null : JobColumns.json(query.metadata()))
                  .setInt("limit", query.limit());
          return JobRows.readAll(list.statement());
        });
  }

  /** The args conditions as JobList takes them: JSON path to value; null for none. */
  private static String argsPaths(JobQuery query) {
    if (query.args().isEmpty()) {
      return null;
    }
    Map<String, String> byPath = new java.util.LinkedHashMap<>();
    // The keys are letters, digits, '_' and '-' (JobQuery checks): a path needs no quoting.
    query.args().forEach((path, value) -> byPath.put("$." + path, value));
    return JobColumns.json(byPath);
  }

  Optional<JobInfo> jobCancel(JobCancelParams params) {
    Set<String> woken = new LinkedHashSet<>();
    Optional<JobInfo> cancelled =
        ctx.write(
            "cancel job " + params.id(),
            c -> {
              Optional<JobInfo> job = get(c, params.id());
              if (job.isEmpty() || job.get().state().isFinal()) {
                return job;
              }
              AttemptError reason =
                  AttemptError.of(job.get().attempt(), params.now(), "cancelled", params.reason());
              Binder cancel =
                  ctx.prepare(c, "JobCancel")
                      .setLong("now", JobRows.micros(params.now()))
                      .setString("error", JobColumns.errorJson(reason))
                      .setLong("id", params.id());
              boolean hasDependents;
              try (ResultSet rs = cancel.statement().executeQuery()) {
                hasDependents = rs.next() && rs.getInt(1) == 1;
              }
              if (hasDependents) {
                dependencies.resolveDependents(
                    c, params.id(), JobState.CANCELLED, params.now(), woken);
              }
              return get(c, params.id());
            });
    ctx.notifier.wake(woken);
    return cancelled;
  }

  Optional<JobInfo> jobRetry(JobRetryParams params) {
    Optional<JobInfo> job =
        ctx.write(
            "retry job " + params.id(),
            c -> {
              Optional<JobInfo> before = get(c, params.id());
              if (before.isPresent() && before.get().state() != JobState.RUNNING) {
                Binder other = ctx.prepare(c, "JobUniqueOtherHolder").setLong("id", params.id());
                try (ResultSet rs = other.statement().executeQuery()) {
                  if (rs.next()) {
                    throw new DuplicateJobException(params.id(), rs.getLong(1));
                  }
                }
              }
              ctx.prepare(c, "JobRetry")
                  .setLong("now", JobRows.micros(params.now()))
                  .setLong("id", params.id())
                  .statement()
                  .executeUpdate();
              return get(c, params.id());
            });
    job.filter(j -> j.state() == JobState.AVAILABLE)
        .ifPresent(j -> ctx.notifier.wake(Set.of(j.queue())));
    return job;
  }

  boolean jobDelete(JobDeleteParams params) {
    long id = params.id();
    Set<String> woken = new LinkedHashSet<>();
    boolean deleted =
        ctx.write(
            "delete job " + id,
            c -> {
              Binder delete = ctx.prepare(c, "JobDelete").setLong("id", id);
              boolean hasDependents;
              try (ResultSet rs = delete.statement().executeQuery()) {
                if (!rs.next()) {
                  return false;
                }
                hasDependents = rs.getInt(1) == 1;
              }
              if (hasDependents) {
                // A job deleted before it ended never completes: its dependents count it
                // cancelled. One deleted after it ended has no rows left in job_dependency.
                dependencies.resolveDependents(c, id, JobState.CANCELLED, params.now(), woken);
              }
              return true;
            });
    ctx.notifier.wake(woken);
    return deleted;
  }
}
