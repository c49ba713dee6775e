package dev.errand.postgres;

import static dev.errand.postgres.StoreContext.setTimestamp;

import dev.errand.DuplicateJobException;
import dev.errand.JobEdges;
import dev.errand.JobInfo;
import dev.errand.JobOrder;
import dev.errand.JobQuery;
import dev.errand.StoreException;
import dev.errand.jdbc.internal.Binder;
import dev.errand.jdbc.internal.JdbcRunner;
import dev.errand.spi.JobCancelParams;
import dev.errand.spi.JobColumns;
import dev.errand.spi.JobDeleteParams;
import dev.errand.spi.JobEdgesParams;
import dev.errand.spi.JobRetryParams;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * What an operator does to single jobs ({@code errand.jobs()}): look one up, list them, cancel,
 * retry or delete one. A job cancelled or deleted before it ended counts as cancelled in the jobs
 * that wait on it.
 */
final class JobAdmin {
  /** SQLSTATE of a unique index violation. */
  private static final String UNIQUE_VIOLATION = "23505";

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
    return ctx.jdbc.run(
        "get job " + id,
        c -> {
          try (Binder b = ctx.prepare(c, "JobGet")) {
            b.setLong("id", id);
            return readOne(b);
          }
        });
  }

  JobEdges jobEdges(JobEdgesParams params) {
    return ctx.jdbc.run(
        "read the edges of job " + params.id(),
        c -> {
          List<Long> dependencies = new ArrayList<>();
          List<Long> dependents = new ArrayList<>();
          try (Binder b = ctx.prepare(c, "JobEdges")) {
            b.setLong("id", params.id()).setInt("limit", params.limit() + 1);
            try (ResultSet rs = b.executeQuery()) {
              while (rs.next()) {
                (rs.getBoolean(1) ? dependencies : dependents).add(rs.getLong(2));
              }
            }
          }
          return JobEdges.fromOneExtra(dependencies, dependents, params.limit());
        });
  }

  private static String listStatement(JobQuery query) {
    return query.order() == JobOrder.NEWEST_FIRST ? "JobListNewestFirst" : "JobListOldestFirst";
  }

  List<JobInfo> jobList(JobQuery query) {
    return ctx.jdbc.run(
        "list jobs",
        c -> {
          try (Binder b = ctx.prepare(c, listStatement(query))) {
            String[] states =
                query.states().stream().map(JobColumns::stateName).toArray(String[]::new);
            b.setLong("minId", query.minId())
                .setLong("maxId", query.maxId())
                .setArray("states", c.createArrayOf("text", states))
                .setNullableString("queue", query.queue())
                .setNullableString("kind", query.kind())
                .setNullableString("tag", query.tag())
                .setArray("argPaths", c.createArrayOf("text", query.args().keySet().toArray()))
                .setArray("argValues", c.createArrayOf("text", query.args().values().toArray()))
                .setArray(
                    "argNeedles",
                    c.createArrayOf(
                        "text", query.args().values().stream().map(JobAdmin::needle).toArray()))
                .setArray("metaKeys", c.createArrayOf("text", query.metadata().keySet().toArray()))
                .setArray(
                    "metaValues", c.createArrayOf("text", query.metadata().values().toArray()))
                .setInt("limit", query.limit());
            List<JobInfo> jobs = new ArrayList<>();
            try (ResultSet rs = b.executeQuery()) {
              while (rs.next()) {
                jobs.add(JobRows.read(rs));
              }
            }
            return jobs;
          }
        });
  }

  Optional<JobInfo> jobCancel(JobCancelParams params) {
    return ctx.jdbc.run(
        "cancel job " + params.id(),
        c -> {
          Optional<JobInfo> cancelled =
              JdbcRunner.inTransaction(
                  c,
                  t -> {
                    boolean hasDependents = false;
                    Optional<JobInfo> job = Optional.empty();
                    try (Binder b = ctx.prepare(t, "JobCancel")) {
                      setTimestamp(b, "now", params.now());
                      b.setString("reason", params.reason()).setLong("id", params.id());
                      try (ResultSet rs = b.executeQuery()) {
                        if (rs.next()) {
                          job = Optional.of(JobRows.read(rs));
                          hasDependents = rs.getBoolean("has_dependents");
                        }
                      }
                    }
                    if (hasDependents) {
                      countCancelledInDependents(t, params.id(), params.now());
                    }
                    return job;
                  });
          return cancelled.isPresent() ? cancelled : jobGet(params.id());
        });
  }

  Optional<JobInfo> jobRetry(JobRetryParams params) {
    return ctx.jdbc.run(
        "retry job " + params.id(),
        c -> {
          Optional<JobInfo> retried;
          try (Binder b = ctx.prepare(c, "JobRetry")) {
            setTimestamp(b, "now", params.now());
            b.setLong("id", params.id());
            retried = readOne(b);
          } catch (SQLException e) {
            if (UNIQUE_VIOLATION.equals(e.getSQLState())) {
              throw new DuplicateJobException(params.id(), uniqueHolderOf(c, params.id()));
            }
            throw e;
          }
          if (retried.isEmpty()) {
            return jobGet(params.id());
          }
          ctx.wake(c, Set.of(retried.get().queue()));
          return retried;
        });
  }

  private long uniqueHolderOf(Connection c, long id) throws SQLException {
    try (Binder b = ctx.prepare(c, "JobUniqueHolderOf")) {
      b.setLong("id", id);
      try (ResultSet rs = b.executeQuery()) {
        if (!rs.next()) {
          throw new StoreException("retry of job " + id + " conflicted on a key nobody holds now");
        }
        return rs.getLong(1);
      }
    }
  }

  boolean jobDelete(JobDeleteParams params) {
    return ctx.jdbc.transaction(
        "delete job " + params.id(),
        c -> {
          boolean hasDependents;
          try (Binder b = ctx.prepare(c, "JobDelete")) {
            b.setLong("id", params.id());
            try (ResultSet rs = b.executeQuery()) {
              if (!rs.next()) {
                return false;
              }
              hasDependents = rs.getBoolean(1);
            }
          }
          if (hasDependents) {
            // A job deleted before it ended never completes: its dependents count it cancelled.
            countCancelledInDependents(c, params.id(), params.now());
          }
          return true;
        });
  }

  /** Counts job {@code id} as cancelled in the jobs that wait on it, and wakes those released. */
  private void countCancelledInDependents(Connection c, long id, Instant now) throws SQLException {
    Set<String> woken = new LinkedHashSet<>();
    dependencies.resolveDependents(c, new LinkedHashMap<>(Map.of(id, "cancelled")), now, woken);
    ctx.wake(c, woken);
  }

  private static Optional<JobInfo> readOne(Binder b) throws SQLException {
    try (ResultSet rs = b.executeQuery()) {
      return rs.next() ? Optional.of(JobRows.read(rs)) : Optional.empty();
    }
  }

  /**
   * What the args' JSON text must contain for an args condition on {@code value} to hold: the value
   * itself when every JSON writer writes it as is (a number, true or false, a string of printable
   * ASCII without the characters some writers escape: quote, backslash and slash, and Go's {@code <
   * > &}, and a single quote to be safe), else "" (no test). JobList checks it before reading the
   * JSON: a search for a rare value skips most rows without parsing them.
   */
  static String needle(String value) {
    for (int i = 0; i < value.length(); i++) {
      char ch = value.charAt(i);
      if (ch < ' ' || ch > '~' || "\"\\/<>&'".indexOf(ch) >= 0) {
        return "";
      }
    }
    return value;
  }
}
