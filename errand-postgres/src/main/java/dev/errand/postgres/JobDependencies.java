package dev.errand.postgres;

import static dev.errand.postgres.StoreContext.setTimestamp;

import dev.errand.DependencyFailure;
import dev.errand.Enqueued;
import dev.errand.JobState;
import dev.errand.UnknownDependencyException;
import dev.errand.jdbc.internal.Binder;
import dev.errand.spi.JobColumns;
import dev.errand.spi.NewJob;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * Jobs that wait on others: inserting them (in the state their dependencies' states give them) and
 * counting the end of a job in the jobs that wait on it, which releases or cancels them. Each runs
 * inside the caller's transaction; see JobDependenciesLock for why the two never miss each other.
 */
final class JobDependencies {
  private final StoreContext ctx;

  JobDependencies(StoreContext ctx) {
    this.ctx = ctx;
  }

  /** Whether any of {@code jobs} waits on another job. */
  static boolean hasDependencies(List<NewJob> jobs) {
    for (NewJob job : jobs) {
      if (!job.dependsOn().isEmpty()) {
        return true;
      }
    }
    return false;
  }

  /**
   * Inserts jobs that wait on others, inside the current transaction: locks the dependencies,
   * counts those already ended, stores each job in the state that follows, and records the
   * dependencies still to end in job_dependency.
   */
  List<Enqueued> insertWithDependencies(Connection c, List<NewJob> jobs, Instant now)
      throws SQLException {
    TreeSet<Long> dependencyIds = new TreeSet<>();
    for (NewJob job : jobs) {
      dependencyIds.addAll(job.dependsOn());
    }
    Map<Long, JobState> states = new HashMap<>();
    try (Binder b = ctx.planEachTime(c, "JobDependenciesLock")) {
      b.setArray("ids", c.createArrayOf("int8", dependencyIds.toArray()));
      try (ResultSet rs = b.executeQuery()) {
        while (rs.next()) {
          states.put(rs.getLong(1), JobColumns.state(rs.getString(2)));
        }
      }
    }
    List<Long> unfinished = new ArrayList<>();
    for (long id : dependencyIds) {
      JobState state = states.get(id);
      if (state == null) {
        throw new UnknownDependencyException(id);
      }
      if (!state.isFinal()) {
        unfinished.add(id);
      }
    }
    if (!unfinished.isEmpty()) {
      try (Binder b = ctx.planEachTime(c, "JobDependenciesMark")) {
        b.setArray("ids", c.createArrayOf("int8", unfinished.toArray()));
        b.executeUpdate();
      }
    }
    List<Enqueued> result = insertJobs(c, jobs, states, now);
    List<Long> dependsOn = new ArrayList<>();
    List<Long> dependents = new ArrayList<>();
    for (int i = 0; i < jobs.size(); i++) {
      for (long id : jobs.get(i).dependsOn()) {
        if (!states.get(id).isFinal()) {
          dependsOn.add(id);
          dependents.add(result.get(i).id());
        }
      }
    }
    if (!dependsOn.isEmpty()) {
      try (Binder b = ctx.planEachTime(c, "JobDependencyInsert")) {
        b.setArray("dependsOn", c.createArrayOf("int8", dependsOn.toArray()))
            .setArray("dependents", c.createArrayOf("int8", dependents.toArray()));
        b.executeUpdate();
      }
    }
    return result;
  }

  /**
   * Runs JobInsertWithDependencies: each job in the state, with the counters, that the states of
   * its dependencies ({@code states}, locked) give it; one cancelled at once, because a dependency
   * already failed, finalized with the error that says so.
   */
  private List<Enqueued> insertJobs(
      Connection c, List<NewJob> jobs, Map<Long, JobState> states, Instant now)
      throws SQLException {
    int n = jobs.size();
    String[] jobStates = new String[n];
    String[] finalizedAt = new String[n];
    String[] errors = new String[n];
    Integer[] waiting = new Integer[n];
    Integer[] completed = new Integer[n];
    Integer[] discarded = new Integer[n];
    Integer[] cancelled = new Integer[n];
    Boolean[] cancelOnFailure = new Boolean[n];
    for (int i = 0; i < n; i++) {
      NewJob job = jobs.get(i);
      NewJob.Start start = job.start(states, now);
      jobStates[i] = JobColumns.stateName(start.state());
      waiting[i] = start.dependencies().waiting();
      completed[i] = start.dependencies().completed();
      discarded[i] = start.dependencies().discarded();
      cancelled[i] = start.dependencies().cancelled();
      cancelOnFailure[i] = job.ifDependencyFails() == DependencyFailure.CANCEL;
      if (start.cancellation() != null) {
        finalizedAt[i] = now.toString();
        errors[i] = "[" + JobColumns.errorJson(start.cancellation()) + "]";
      } else {
        errors[i] = "[]";
      }
    }
    try (Binder b = ctx.planEachTime(c, "JobInsertWithDependencies")) {
      setTimestamp(b, "now", now);
      ArrayInserts.bindColumns(c, b, jobs);
      b.setArray("states", c.createArrayOf("text", jobStates))
          .setArray("finalizedAt", c.createArrayOf("text", finalizedAt))
          .setArray("errors", c.createArrayOf("text", errors))
          .setArray("waiting", c.createArrayOf("int4", waiting))
          .setArray("completed", c.createArrayOf("int4", completed))
          .setArray("discarded", c.createArrayOf("int4", discarded))
          .setArray("cancelled", c.createArrayOf("int4", cancelled))
          .setArray("cancelOnFailure", c.createArrayOf("bool", cancelOnFailure))
          .setString("channel", ctx.channel);
      return ArrayInserts.readInserted(b, n);
    }
  }

  /**
   * Counts the end of the jobs in {@code ended} (id → final state name) in the jobs waiting on
   * them, inside the current transaction, and passes each cancellation this causes on to the
   * cancelled job's own dependents. Wakes nothing itself: adds the queues of jobs made available to
   * {@code woken}.
   */
  void resolveDependents(Connection c, Map<Long, String> ended, Instant now, Set<String> woken)
      throws SQLException {
    while (!ended.isEmpty()) {
      Long[] ids = ended.keySet().toArray(Long[]::new);
      String[] outcomes = ended.values().toArray(String[]::new);
      Map<Long, String> cancelled = new LinkedHashMap<>();
      try (Binder b = ctx.planEachTime(c, "JobDependentsResolve")) {
        b.setArray("ids", c.createArrayOf("int8", ids))
            .setArray("outcomes", c.createArrayOf("text", outcomes));
        setTimestamp(b, "now", now);
        try (ResultSet rs = b.executeQuery()) {
          while (rs.next()) {
            String state = rs.getString(3);
            if (state.equals("available")) {
              woken.add(rs.getString(2));
            } else if (state.equals("cancelled") && rs.getBoolean(4)) {
              cancelled.put(rs.getLong(1), state);
            }
          }
        }
      }
      ended = cancelled;
    }
  }
}
