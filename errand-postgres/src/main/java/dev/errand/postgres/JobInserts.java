package dev.errand.postgres;

import static dev.errand.postgres.JobDependencies.hasDependencies;
import static dev.errand.postgres.StoreContext.setTimestamp;

import dev.errand.DependencyFailure;
import dev.errand.Enqueued;
import dev.errand.JobState;
import dev.errand.StoreException;
import dev.errand.jdbc.internal.Binder;
import dev.errand.jdbc.internal.JdbcRunner;
import dev.errand.spi.ImportedJob;
import dev.errand.spi.JobColumns;
import dev.errand.spi.JobImportParams;
import dev.errand.spi.JobInsertBatchParams;
import dev.errand.spi.JobInsertManyParams;
import dev.errand.spi.JobRules;
import dev.errand.spi.NewJob;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Types;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * Inserts jobs: the single enqueue (its notification debounced), bulk inserts (and their shortcut
 * for jobs that differ only in their args), unique jobs, and batches with a callback; jobs that
 * wait on others go to {@link JobDependencies}. Jobs made available here lower this store's fetch
 * hints.
 */
final class JobInserts {
  /** Insert attempts for unique jobs whose holder keeps vanishing; see insertUnique. */
  private static final int UNIQUE_ROUNDS = 5;

  private final StoreContext ctx;
  private final JobDependencies dependencies;
  private final NotifyDebouncer debouncer;

  JobInserts(StoreContext ctx, JobDependencies dependencies, NotifyDebouncer debouncer) {
    this.ctx = ctx;
    this.dependencies = dependencies;
    this.debouncer = debouncer;
  }

  List<Enqueued> jobInsertMany(JobInsertManyParams params) {
    if (params.jobs().isEmpty()) {
      return List.of();
    }
    List<NewJob> jobs = params.jobs();
    if (jobs.size() == 1 && !jobs.get(0).isUnique() && !hasDependencies(jobs)) {
      return List.of(insertOneDebounced(jobs.get(0), params.now()));
    }
    // Dependencies take several statements, which must commit together; so may a unique insert
    // (see insertUnique), unless it is of a single job: a write that stored nothing leaves
    // nothing to undo.
    boolean severalWrites = hasDependencies(jobs) || (hasUnique(jobs) && jobs.size() > 1);
    return ctx.jdbc.run(
        "insert jobs",
        c ->
            severalWrites
                ? JdbcRunner.inTransaction(c, t -> insert(t, params))
                : insert(c, params));
  }

  List<Enqueued> jobInsertMany(Connection connection, JobInsertManyParams params) {
    Objects.requireNonNull(connection, "connection");
    if (params.jobs().isEmpty()) {
      return List.of();
    }
    return ctx.jdbc.run(
        connection, "insert jobs in the caller's transaction", c -> insert(c, params));
  }

  List<Enqueued> jobInsertBatch(JobInsertBatchParams params) {
    return ctx.jdbc.transaction(
        "insert a batch of " + params.members().size() + " jobs", c -> insertBatch(c, params));
  }

  List<Enqueued> jobInsertBatch(Connection connection, JobInsertBatchParams params) {
    Objects.requireNonNull(connection, "connection");
    return ctx.jdbc.run(
        connection,
        "insert a batch of " + params.members().size() + " jobs in the caller's transaction",
        c -> insertBatch(c, params));
  }

  /** Inserts the jobs as unique jobs, then writes the history of those stored, in one commit. */
  List<Enqueued> jobImport(JobImportParams params) {
    if (params.jobs().isEmpty()) {
      return List.of();
    }
    List<NewJob> jobs = params.jobs().stream().map(ImportedJob::job).toList();
    return ctx.jdbc.transaction(
        "import " + jobs.size() + " jobs",
        c -> {
          List<Enqueued> enqueued = insert(c, new JobInsertManyParams(jobs, params.now()));
          List<Enqueued> result = new ArrayList<>(enqueued.size());
          List<Long> ids = new ArrayList<>();
          List<Short> attempts = new ArrayList<>();
          List<String> errors = new ArrayList<>();
          List<Boolean> retrying = new ArrayList<>();
          for (int i = 0; i < enqueued.size(); i++) {
            Enqueued e = enqueued.get(i);
            ImportedJob job = params.jobs().get(i);
            if (!e.duplicate()
                && (job.retrying() || job.attempt() > 0 || !job.errors().isEmpty())) {
              ids.add(e.id());
              attempts.add((short) job.attempt());
              errors.add(JobColumns.errorsJson(job.errors()));
              retrying.add(job.retrying());
              e = job.retrying() ? new Enqueued(e.id(), JobState.RETRYABLE, false) : e;
            }
            result.add(e);
          }
          if (!ids.isEmpty()) {
            try (Binder b = ctx.prepare(c, "JobImportHistory")) {
              b.setArray("ids", c.createArrayOf("bigint", ids.toArray()))
                  .setArray("attempts", c.createArrayOf("int2", attempts.toArray()))
                  .setArray("errors", c.createArrayOf("text", errors.toArray()))
                  .setArray("retrying", c.createArrayOf("bool", retrying.toArray()));
              b.executeUpdate();
            }
          }
          return result;
        });
  }

  private List<Enqueued> insertBatch(Connection c, JobInsertBatchParams params)
      throws SQLException {
    List<Enqueued> result = new ArrayList<>(params.members().size() + 1);
    result.addAll(insert(c, new JobInsertManyParams(params.members(), params.now())));
    List<Long> memberIds = result.stream().map(Enqueued::id).toList();
    NewJob callback = params.callback().withDependencies(memberIds, DependencyFailure.RUN);
    result.addAll(dependencies.insertWithDependencies(c, List.of(callback), params.now()));
    return result;
  }

  /** Inserts {@code params}' jobs on {@code c}, in whatever transaction it is in. */
  List<Enqueued> insert(Connection c, JobInsertManyParams params) throws SQLException {
    List<Enqueued> enqueued = insertRows(c, params);
    lowerHints(params.jobs(), enqueued);
    return enqueued;
  }

  /** Jobs made available here may lie before their queue's fetch hint: see {@link FetchHints}. */
  private void lowerHints(List<NewJob> jobs, List<Enqueued> enqueued) {
    Map<String, FetchHints.Key> lowest = new HashMap<>(2);
    for (int i = 0; i < enqueued.size() && i < jobs.size(); i++) {
      Enqueued e = enqueued.get(i);
      if (e.state() == JobState.AVAILABLE && !e.duplicate()) {
        NewJob job = jobs.get(i);
        FetchHints.Key key = new FetchHints.Key(job.priority(), job.scheduledAt(), e.id());
        lowest.merge(job.queue(), key, (a, b) -> a.compareTo(b) <= 0 ? a : b);
      }
    }
    lowest.forEach(ctx.hints::lower);
  }

  private List<Enqueued> insertRows(Connection c, JobInsertManyParams params) throws SQLException {
    List<NewJob> jobs = params.jobs();
    boolean unique = hasUnique(jobs);
    if (unique && hasDependencies(jobs)) {
      // Each path is one statement over the whole batch; the two are not combined (yet).
      throw new IllegalArgumentException(
          "one insert cannot hold both unique jobs and jobs with dependencies; enqueue them apart");
    }
    if (unique) {
      return insertUnique(c, jobs, params.now());
    }
    if (hasDependencies(jobs)) {
      return dependencies.insertWithDependencies(c, jobs, params.now());
    }
    int n = jobs.size();
    if (n == 1) {
      return List.of(insertOne(c, jobs.get(0), params.now(), true));
    }
    if (differOnlyInArgs(jobs)) {
      return insertAlike(c, jobs, params.now());
    }
    try (Binder b = ctx.planEachTime(c, "JobInsertMany")) {
      setTimestamp(b, "now", params.now());
      ArrayInserts.bindColumns(c, b, jobs);
      b.setString("channel", ctx.channel);
      return ArrayInserts.readInserted(b, n);
    }
  }

  /** Whether every job but the first equals it in everything but its args (JobInsertManyAlike). */
  private static boolean differOnlyInArgs(List<NewJob> jobs) {
    NewJob first = jobs.get(0);
    for (NewJob job : jobs) {
      if (!job.queue().equals(first.queue())
          || !job.kind().equals(first.kind())
          || job.priority() != first.priority()
          || job.maxAttempts() != first.maxAttempts()
          || !job.scheduledAt().equals(first.scheduledAt())
          || !job.tags().equals(first.tags())
          || !job.metadata().equals(first.metadata())) {
        return false;
      }
    }
    return true;
  }

  private List<Enqueued> insertAlike(Connection c, List<NewJob> jobs, Instant now)
      throws SQLException {
    NewJob first = jobs.get(0);
    JobState state = JobRules.runnableState(first.scheduledAt(), now);
    String[] args = new String[jobs.size()];
    for (int i = 0; i < args.length; i++) {
      args[i] = jobs.get(i).argsJson();
    }
    try (Binder b = ctx.planEachTime(c, "JobInsertManyAlike")) {
      // Type inferred, like setTimestamp: the enum's input function is stable, too.
      b.setObject("state", JobColumns.stateName(state), Types.OTHER)
          .setString("queue", first.queue())
          .setString("kind", first.kind())
          .setShort("priority", (short) first.priority())
          .setShort("maxAttempts", (short) first.maxAttempts())
          .setArray("tags", c.createArrayOf("text", first.tags().toArray(String[]::new)))
          .setString(
              "metadata", first.metadata().isEmpty() ? "{}" : JobColumns.json(first.metadata()))
          .setArray("args", c.createArrayOf("text", args))
          .setString("channel", ctx.channel)
          .setBoolean("notify", state == JobState.AVAILABLE);
      setTimestamp(b, "now", now);
      setTimestamp(b, "scheduledAt", first.scheduledAt());
      List<Enqueued> result = new ArrayList<>(args.length);
      try (ResultSet rs = b.executeQuery()) {
        while (rs.next()) {
          result.add(new Enqueued(rs.getLong(1), state, false));
        }
      }
      if (result.size() != args.length) {
        throw new StoreException("inserted " + result.size() + " jobs of " + args.length);
      }
      return result;
    }
  }

  private static boolean hasUnique(List<NewJob> jobs) {
    for (NewJob job : jobs) {
      if (job.isUnique()) {
        return true;
      }
    }
    return false;
  }

  /**
   * Inserts a batch holding unique jobs. A job whose key is taken gets the holder's id back. In one
   * round-trip unless a holder was committed by another session while the insert ran (then a second
   * reads it), or was freed before that read (then those jobs are inserted again: a rare race,
   * bounded by {@link #UNIQUE_ROUNDS}).
   */
  private List<Enqueued> insertUnique(Connection c, List<NewJob> jobs, Instant now)
      throws SQLException {
    int n = jobs.size();
    Enqueued[] result = new Enqueued[n];
    // A key repeated within the batch is a duplicate of its first occurrence, resolved last.
    int[] firstWithKey = new int[n];
    Map<String, Integer> firstByKey = new HashMap<>();
    List<Integer> pending = new ArrayList<>(n);
    for (int i = 0; i < n; i++) {
      String key = jobs.get(i).uniqueKey();
      Integer first = key == null ? null : firstByKey.putIfAbsent(key, i);
      firstWithKey[i] = first == null ? -1 : first;
      if (first == null) {
        pending.add(i);
      }
    }
    for (int round = 1; !pending.isEmpty(); round++) {
      if (round > UNIQUE_ROUNDS) {
        throw new StoreException(
            "unique jobs: the holders of "
                + pending.size()
                + " keys kept changing during "
                + UNIQUE_ROUNDS
                + " insert attempts");
      }
      List<Integer> unresolved = insertUniqueOnce(c, jobs, pending, now, result);
      pending = unresolved.isEmpty() ? unresolved : readHolders(c, jobs, unresolved, result);
    }
    for (int i = 0; i < n; i++) {
      if (firstWithKey[i] >= 0) {
        Enqueued first = result[firstWithKey[i]];
        result[i] = new Enqueued(first.id(), first.state(), true);
      }
    }
    return List.of(result);
  }

  /**
   * Runs JobInsertUnique for the jobs at {@code indexes}, filling {@code result} for those inserted
   * and those whose holder the statement saw.
   *
   * @return the indexes of jobs neither inserted nor matched with a holder
   */
  private List<Integer> insertUniqueOnce(
      Connection c, List<NewJob> jobs, List<Integer> indexes, Instant now, Enqueued[] result)
      throws SQLException {
    int n = indexes.size();
    List<NewJob> batch = new ArrayList<>(n);
    String[] uniqueKeys = new String[n];
    Short[] uniqueStates = new Short[n];
    for (int k = 0; k < n; k++) {
      NewJob job = jobs.get(indexes.get(k));
      batch.add(job);
      uniqueKeys[k] = job.uniqueKey();
      uniqueStates[k] =
          job.isUnique() ? (short) JobColumns.uniqueStateBits(job.uniqueStates()) : null;
    }
    List<Enqueued> insertedPlain = new ArrayList<>();
    Map<String, Enqueued> insertedByKey = new HashMap<>();
    Map<String, Enqueued> holders = new HashMap<>();
    try (Binder b = ctx.planEachTime(c, "JobInsertUnique")) {
      ArrayInserts.bindColumns(c, b, batch);
      b.setArray("uniqueKeys", c.createArrayOf("text", uniqueKeys))
          .setArray("uniqueStates", c.createArrayOf("int2", uniqueStates))
          .setString("channel", ctx.channel);
      setTimestamp(b, "now", now);
      try (ResultSet rs = b.executeQuery()) {
        while (rs.next()) {
          String key = rs.getString(3);
          boolean isInserted = rs.getBoolean(4);
          Enqueued row =
              new Enqueued(rs.getLong(1), JobColumns.state(rs.getString(2)), !isInserted);
          if (!isInserted) {
            holders.put(key, row);
          } else if (key == null) {
            insertedPlain.add(row);
          } else {
            insertedByKey.put(key, row);
          }
        }
      }
    }
    // Ordinary jobs are inserted in batch order (see JobInsertUnique), so in id order they are the
    // batch's ordinary jobs in order.
    insertedPlain.sort(Comparator.comparingLong(Enqueued::id));
    List<Integer> unresolved = new ArrayList<>();
    int next = 0;
    for (int k = 0; k < n; k++) {
      int i = indexes.get(k);
      String key = uniqueKeys[k];
      if (key == null) {
        result[i] = insertedPlain.get(next++);
      } else if (insertedByKey.containsKey(key)) {
        result[i] = insertedByKey.get(key);
      } else if (holders.containsKey(key)) {
        result[i] = holders.get(key);
      } else {
        unresolved.add(i);
      }
    }
    if (next != insertedPlain.size()) {
      throw new StoreException("inserted " + insertedPlain.size() + " jobs but matched " + next);
    }
    return unresolved;
  }

  /**
   * Reads the holders of the keys of the jobs at {@code indexes}, filling {@code result}.
   *
   * @return the indexes whose key nobody holds any more: to insert again
   */
  private List<Integer> readHolders(
      Connection c, List<NewJob> jobs, List<Integer> indexes, Enqueued[] result)
      throws SQLException {
    Map<String, Enqueued> holders = new HashMap<>();
    try (Binder b = ctx.prepare(c, "JobUniqueHolders")) {
      String[] keys = indexes.stream().map(i -> jobs.get(i).uniqueKey()).toArray(String[]::new);
      b.setArray("keys", c.createArrayOf("text", keys));
      try (ResultSet rs = b.executeQuery()) {
        while (rs.next()) {
          holders.put(
              rs.getString(3),
              new Enqueued(rs.getLong(1), JobColumns.state(rs.getString(2)), true));
        }
      }
    }
    List<Integer> free = new ArrayList<>();
    for (int i : indexes) {
      Enqueued holder = holders.get(jobs.get(i).uniqueKey());
      if (holder != null) {
        result[i] = holder;
      } else {
        free.add(i);
      }
    }
    return free;
  }

  /** A single enqueue in its own transaction, whose notification {@link #debouncer} debounces. */
  private Enqueued insertOneDebounced(NewJob job, Instant now) {
    boolean notifyNow = debouncer.notifyNow(job.queue());
    Enqueued enqueued = ctx.jdbc.run("insert jobs", c -> insertOne(c, job, now, notifyNow));
    if (!notifyNow && enqueued.state() == JobState.AVAILABLE) {
      debouncer.committedQuietly(job.queue());
    }
    lowerHints(List.of(job), List.of(enqueued));
    return enqueued;
  }

  private Enqueued insertOne(Connection c, NewJob job, Instant now, boolean notify)
      throws SQLException {
    try (Binder b = ctx.prepare(c, "JobInsertOne")) {
      setTimestamp(b, "scheduledAt", job.scheduledAt());
      setTimestamp(b, "now", now);
      b.setString("queue", job.queue())
          .setString("kind", job.kind())
          .setString("args", job.argsJson())
          .setShort("priority", (short) job.priority())
          .setShort("maxAttempts", (short) job.maxAttempts())
          .setArray("tags", c.createArrayOf("text", job.tags().toArray(String[]::new)))
          .setString("metadata", job.metadata().isEmpty() ? "{}" : JobColumns.json(job.metadata()))
          .setString("channel", ctx.channel)
          .setBoolean("notify", notify);
      try (ResultSet rs = b.executeQuery()) {
        if (!rs.next()) {
          throw new StoreException("inserting a job returned no id");
        }
        return new Enqueued(rs.getLong(1), JobColumns.state(rs.getString(2)), false);
      }
    }
  }
}
