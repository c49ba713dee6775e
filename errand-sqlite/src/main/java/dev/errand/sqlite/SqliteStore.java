package dev.errand.sqlite;

import dev.errand.AttemptError;
import dev.errand.DependencyFailure;
import dev.errand.DuplicateJobException;
import dev.errand.Enqueued;
import dev.errand.JobInfo;
import dev.errand.JobQuery;
import dev.errand.JobState;
import dev.errand.NodeInfo;
import dev.errand.QueueInfo;
import dev.errand.StoreException;
import dev.errand.UnknownDependencyException;
import dev.errand.jdbc.internal.Binder;
import dev.errand.jdbc.internal.JdbcRunner;
import dev.errand.jdbc.internal.Migrations.Migration;
import dev.errand.jdbc.internal.NamedSql;
import dev.errand.jdbc.internal.Query;
import dev.errand.jdbc.internal.StoreMigrations;
import dev.errand.spi.Capability;
import dev.errand.spi.JobCancelParams;
import dev.errand.spi.JobColumns;
import dev.errand.spi.JobDeleteParams;
import dev.errand.spi.JobFetchParams;
import dev.errand.spi.JobFinish;
import dev.errand.spi.JobFinishManyParams;
import dev.errand.spi.JobFinishManyResult;
import dev.errand.spi.JobHeartbeatParams;
import dev.errand.spi.JobHeartbeatResult;
import dev.errand.spi.JobInsertBatchParams;
import dev.errand.spi.JobInsertManyParams;
import dev.errand.spi.JobPruneParams;
import dev.errand.spi.JobRef;
import dev.errand.spi.JobRescueParams;
import dev.errand.spi.JobRescueResult;
import dev.errand.spi.JobRetryParams;
import dev.errand.spi.JobRules;
import dev.errand.spi.JobStageParams;
import dev.errand.spi.JobStageResult;
import dev.errand.spi.LeaderElectParams;
import dev.errand.spi.LeaderResignParams;
import dev.errand.spi.NewJob;
import dev.errand.spi.NodeColumns;
import dev.errand.spi.NodeListParams;
import dev.errand.spi.NodePruneParams;
import dev.errand.spi.NodeRemoveParams;
import dev.errand.spi.NodeReportParams;
import dev.errand.spi.Notifier;
import dev.errand.spi.SchemaMigrations;
import dev.errand.spi.Store;
import java.nio.file.Path;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Types;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Deque;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;

/**
 * Errand's embedded store: jobs in one SQLite file, no server. Durable, and fast enough for most
 * single-node applications; the default when PostgreSQL is not at hand.
 *
 * <p><b>One process, many threads.</b> Every write runs on one connection, in turns, as a {@code
 * BEGIN IMMEDIATE} transaction; the file is in WAL mode, so the views read the last commit on their
 * own connections meanwhile. A file belongs to one open store at a time: a second {@link
 * Builder#build()} on the same file, in this process or another, fails with an error naming the
 * file. Hence no {@link Capability#MULTI_PROCESS}: nodes that should share jobs need the PostgreSQL
 * store. Wake-ups travel within the process ({@link Capability#LISTEN_NOTIFY}).
 *
 * <p><b>Dependencies and batches</b> ({@link Capability#DEPENDENCIES}). A job that waits on others
 * is stored {@code PENDING} with one row per unfinished dependency in {@code job_dependency}, and
 * each dependency is marked {@code has_dependents}. Whatever ends a job (a result, a cancel, a
 * delete, the rescuer discarding an expired lease) counts that end in its dependents inside the
 * same write transaction, and deletes the rows, so each end counts once. With one writer no other
 * write can come between, so counting needs no locks; a job nothing waits on pays one flag test.
 *
 * <p><b>No transactional enqueue.</b> {@link Capability#TX_ENQUEUE} is not declared: a caller's
 * transaction on the same file would be a second writer of a database that has one write lock.
 * While it stayed open every write of the engine would wait for it, and fail with {@code
 * SQLITE_BUSY} after the busy timeout; and a caller's connection would bypass the lock that keeps
 * the file to one store.
 *
 * <p><b>Durability.</b> {@link Synchronous#NORMAL} (the default) survives a crash of the process; a
 * power loss may take back the last commits. {@link Synchronous#FULL} syncs every commit and
 * survives both, at a cost per write.
 *
 * <p>Call {@link #migrate()} once after building, before first use. All methods are thread-safe.
 */
public final class SqliteStore implements Store {

  /** How long a statement waits for a lock held by someone else before it fails (default). */
  public static final Duration DEFAULT_BUSY_TIMEOUT = Duration.ofSeconds(5);

  /**
   * How many connections serve the views ({@link #jobGet}, {@link #jobList}, {@link #queueList}).
   */
  public static final int DEFAULT_READ_CONNECTIONS = 4;

  private static final Set<JobState> FINAL =
      Set.of(JobState.COMPLETED, JobState.DISCARDED, JobState.CANCELLED);

  /**
   * Jobs per insert statement: 768 bind parameters, under the 999 of SQLite builds with the oldest
   * default limit; more rows per statement gain little.
   */
  private static final int INSERT_CHUNK = 64;

  /** How durable a commit is: SQLite's {@code PRAGMA synchronous} in WAL mode. */
  public enum Synchronous {
    /**
     * Syncs at checkpoints: a crash of the process loses nothing, a power loss the last commits.
     */
    NORMAL,
    /** Syncs the log at every commit: a power loss loses nothing committed. */
    FULL
  }

  private final Path file;
  private final JdbcRunner jdbc;
  private final NamedSql sql =
      NamedSql.load(name -> SqliteStore.class.getResourceAsStream(name), "store.sql");
  private final Query insertFullChunk = insertQuery(INSERT_CHUNK);
  private final SqliteConnections connections;
  private final LocalNotifier notifier = new LocalNotifier();

  private SqliteStore(Builder builder) {
    this.file = builder.file;
    this.jdbc = new JdbcRunner("SQLite store " + file, null, SqliteStore::hint);
    this.connections =
        new SqliteConnections(
            file,
            builder.synchronous.name(),
            builder.busyTimeout.toMillis(),
            builder.readConnections);
  }

  /** A builder for a store in {@code file}, created (with its directories) if missing. */
  public static Builder builder(Path file) {
    return new Builder(file);
  }

  /** The database file. */
  public Path file() {
    return file;
  }

  /**
   * Creates or upgrades this store's tables: applies the migrations not yet recorded, in one
   * transaction.
   *
   * @return the versions applied now (empty when the file was up to date)
   */
  public List<Integer> migrate() {
    return write("migrate", c -> Migrator.migrate(c.connection()));
  }

  /**
   * The migrations newer than {@code afterVersion} as one SQL script (in one transaction) that
   * records each version it applies, so a later {@link #migrate()} finds nothing to do.
   */
  public static String migrationSql(int afterVersion) {
    return Migrator.script(afterVersion);
  }

  /**
   * Checks that every migration is applied to the file, for a process that does not {@link
   * #migrate()} itself.
   *
   * @throws StoreException naming the missing versions and what to run
   */
  public void checkMigrated() {
    Set<Integer> done =
        read("read the applied migrations", c -> Migrator.appliedVersions(c.connection()));
    List<Integer> missing = new ArrayList<>();
    for (Migration m : Migrator.migrations()) {
      if (!done.contains(m.version())) {
        missing.add(m.version());
      }
    }
    if (!missing.isEmpty()) {
      throw new StoreException(
          "SQLite file "
              + file
              + (done.isEmpty() ? " has no Errand tables" : " lacks migrations " + missing)
              + ": run 'errand migrate --store sqlite --url jdbc:sqlite:"
              + file
              + "', or call migrate()");
    }
  }

  /** This file's {@link #migrate}, {@link #migrationSql} and {@link #checkMigrated}. */
  @Override
  public Optional<SchemaMigrations> migrations() {
    return Optional.of(
        new StoreMigrations(
            "file " + file,
            Migrator::latestVersion,
            this::migrate,
            SqliteStore::migrationSql,
            this::checkMigrated));
  }

  @Override
  public Set<Capability> capabilities() {
    return Set.of(
        Capability.DURABLE,
        Capability.LISTEN_NOTIFY,
        Capability.UNIQUE_JOBS,
        Capability.DEPENDENCIES,
        Capability.NODE_REGISTRY);
  }

  @Override
  public Optional<Notifier> notifier() {
    return Optional.of(notifier);
  }

  @Override
  public List<Enqueued> jobInsertMany(JobInsertManyParams params) {
    if (params.jobs().isEmpty()) {
      return List.of();
    }
    Set<String> woken = new LinkedHashSet<>();
    List<Enqueued> result =
        write(
            "insert " + params.jobs().size() + " jobs",
            c -> insert(c, params.jobs(), params.now(), woken));
    notifier.wake(woken);
    return result;
  }

  @Override
  public List<Enqueued> jobInsertBatch(JobInsertBatchParams params) {
    Set<String> woken = new LinkedHashSet<>();
    List<Enqueued> result =
        write(
            "insert a batch of " + params.members().size() + " jobs",
            c -> {
              List<Enqueued> inserted = new ArrayList<>(params.members().size() + 1);
              inserted.addAll(insert(c, params.members(), params.now(), woken));
              List<Long> memberIds = inserted.stream().map(Enqueued::id).toList();
              NewJob callback =
                  params.callback().withDependencies(memberIds, DependencyFailure.RUN);
              inserted.addAll(insert(c, List.of(callback), params.now(), woken));
              return inserted;
            });
    notifier.wake(woken);
    return result;
  }

  private List<Enqueued> insert(
      SqliteConnections.Session c, List<NewJob> jobs, Instant now, Set<String> woken)
      throws SQLException {
    List<Enqueued> result = new ArrayList<>(jobs.size());
    if (jobs.stream().allMatch(SqliteStore::isOrdinary)) {
      for (int from = 0; from < jobs.size(); from += INSERT_CHUNK) {
        List<NewJob> chunk = jobs.subList(from, Math.min(jobs.size(), from + INSERT_CHUNK));
        result.addAll(insertChunk(c, chunk, now));
      }
    } else {
      // One at a time, each unique job after a look for its holder: an earlier job of this call
      // may be that holder; each job with dependencies after a look at their states. The write
      // transaction keeps any other write from coming between.
      for (NewJob job : jobs) {
        if (!job.dependsOn().isEmpty()) {
          result.add(insertWithDependencies(c, job, now));
          continue;
        }
        Optional<Enqueued> holder =
            job.isUnique() ? uniqueHolder(c, job.uniqueKey()) : Optional.empty();
        result.add(holder.isPresent() ? holder.get() : insertChunk(c, List.of(job), now).get(0));
      }
    }
    for (int i = 0; i < jobs.size(); i++) {
      Enqueued e = result.get(i);
      if (!e.duplicate() && e.state() == JobState.AVAILABLE) {
        woken.add(jobs.get(i).queue());
      }
    }
    return result;
  }

  private static boolean isOrdinary(NewJob job) {
    return !job.isUnique() && job.dependsOn().isEmpty();
  }

  /**
   * Inserts a job that waits on others: counts the dependencies that already ended, stores the job
   * in the state that follows ({@link NewJob#start}), and records those still to end in
   * job_dependency, marking them has_dependents so that their end is counted. Inside the caller's
   * write transaction, so no dependency can end between the read of its state and the rows.
   */
  private Enqueued insertWithDependencies(SqliteConnections.Session c, NewJob job, Instant now)
      throws SQLException {
    Map<Long, JobState> states = new HashMap<>();
    Binder read =
        prepare(c, "JobDependencyStates").setString("ids", JobColumns.json(job.dependsOn()));
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
        prepare(c, "JobInsertWithDependencies")
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
      prepare(c, "JobDependenciesMark")
          .setString("ids", JobColumns.json(unfinished))
          .statement()
          .executeUpdate();
      Binder edge = prepare(c, "JobDependencyInsert").setLong("jobId", id);
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
  private void resolveDependents(
      SqliteConnections.Session c, long id, JobState outcome, Instant at, Set<String> woken)
      throws SQLException {
    record Ended(long id, JobState outcome) {}
    Deque<Ended> ended = new ArrayDeque<>();
    ended.add(new Ended(id, outcome));
    for (Ended e = ended.poll(); e != null; e = ended.poll()) {
      List<Long> dependents = new ArrayList<>();
      Binder take = prepare(c, "JobDependencyTake").setLong("id", e.id());
      try (ResultSet rs = take.statement().executeQuery()) {
        while (rs.next()) {
          dependents.add(rs.getLong(1));
        }
      }
      for (long dependent : dependents) {
        Binder count =
            prepare(c, "JobDependencyCount")
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
          prepare(c, "JobDependentCancel")
              .setLong("id", dependent)
              .setLong("finalizedAt", JobRows.micros(at))
              .setString(
                  "error",
                  JobColumns.errorJson(DependencyFailure.cancellation(e.id(), e.outcome(), at)))
              .statement()
              .executeUpdate();
          ended.add(new Ended(dependent, JobState.CANCELLED));
        } else {
          prepare(c, "JobDependentRelease")
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

  private Optional<Enqueued> uniqueHolder(SqliteConnections.Session c, String uniqueKey)
      throws SQLException {
    Binder holder = prepare(c, "JobUniqueHolder").setString("uniqueKey", uniqueKey);
    try (ResultSet rs = holder.statement().executeQuery()) {
      return rs.next()
          ? Optional.of(new Enqueued(rs.getLong(1), JobColumns.state(rs.getString(2)), true))
          : Optional.empty();
    }
  }

  private List<Enqueued> insertChunk(SqliteConnections.Session c, List<NewJob> chunk, Instant now)
      throws SQLException {
    int n = chunk.size();
    JobState[] states = new JobState[n];
    long[] ids = new long[n];
    long createdAt = JobRows.micros(now);
    Query query = n == INSERT_CHUNK ? insertFullChunk : insertQuery(n);
    Binder insert = query.bind(c.prepare(query.sql()));
    for (int i = 0; i < n; i++) {
      NewJob job = chunk.get(i);
      states[i] = JobRules.runnableState(job.scheduledAt(), now);
      Binder row =
          insert
              .row(i)
              .setString("state", JobColumns.stateName(states[i]))
              .setString("queue", job.queue())
              .setString("kind", job.kind())
              .setString("args", job.argsJson())
              .setInt("priority", job.priority())
              .setInt("maxAttempts", job.maxAttempts())
              .setLong("createdAt", createdAt)
              .setLong("scheduledAt", JobRows.micros(job.scheduledAt()))
              .setString("tags", job.tags().isEmpty() ? "[]" : JobColumns.json(job.tags()))
              .setString(
                  "metadata", job.metadata().isEmpty() ? "{}" : JobColumns.json(job.metadata()));
      if (job.isUnique()) {
        row.setString("uniqueKey", job.uniqueKey())
            .setInt("uniqueStates", JobColumns.uniqueStateBits(job.uniqueStates()));
      } else {
        row.setNull("uniqueKey", Types.VARCHAR).setNull("uniqueStates", Types.INTEGER);
      }
    }
    int returned = 0;
    try (ResultSet rs = insert.statement().executeQuery()) {
      while (rs.next() && returned < n) {
        ids[returned++] = rs.getLong(1);
      }
    }
    if (returned != n) {
      throw new StoreException("inserted " + returned + " jobs of " + n);
    }
    // RETURNING follows no promised order, but the ids grow in the order of the VALUES list.
    Arrays.sort(ids);
    List<Enqueued> result = new ArrayList<>(n);
    for (int i = 0; i < n; i++) {
      result.add(new Enqueued(ids[i], states[i], false));
    }
    return result;
  }

  /** The insert of {@code rows} jobs: JobInsert with JobInsertRow once per job. */
  private Query insertQuery(int rows) {
    return sql.query("JobInsert").repeat("{rows}", sql.query("JobInsertRow"), rows);
  }

  @Override
  public List<JobInfo> jobFetch(JobFetchParams params) {
    List<JobInfo> jobs =
        write(
            "fetch jobs of queue '" + params.queue() + "'",
            c -> {
              Binder fetch =
                  prepare(c, "JobFetch")
                      .setLong("now", JobRows.micros(params.now()))
                      .setString("owner", params.owner())
                      .setLong("leaseExpiresAt", JobRows.micros(params.leaseExpiresAt()))
                      .setString("queue", params.queue())
                      .setInt("limit", params.limit())
                      .setNullableString(
                          "kinds",
                          params.kinds().isEmpty() ? null : JobColumns.json(params.kinds()));
              return readAll(fetch.statement());
            });
    // RETURNING follows no order; the contract promises fetch order.
    jobs.sort(JobRules.FETCH_ORDER);
    return jobs;
  }

  @Override
  public JobFinishManyResult jobFinishMany(JobFinishManyParams params) {
    if (params.results().isEmpty()) {
      return new JobFinishManyResult(Set.of());
    }
    List<FinishRow> rows = params.results().stream().map(SqliteStore::finishRow).toList();
    Set<String> woken = new LinkedHashSet<>();
    Set<Long> applied =
        write(
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
                  insert(c, completed.followUps(), completed.at(), woken);
                }
              }
              return done;
            });
    notifier.wake(woken);
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
  private record Finished(long id, String queue, String state) {}

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
  private List<Finished> finish(
      SqliteConnections.Session c, List<FinishRow> rows, Set<String> woken) throws SQLException {
    List<Finished> applied = new ArrayList<>(rows.size());
    List<Finished> endedWithDependents = new ArrayList<>();
    Binder finish = prepare(c, "JobFinishMany").setString("results", JobRows.finishJson(rows));
    try (ResultSet rs = finish.statement().executeQuery()) {
      while (rs.next()) {
        Finished f = new Finished(rs.getLong(1), rs.getString(2), rs.getString(3));
        applied.add(f);
        if (rs.getInt(4) == 1 && FINAL.contains(JobColumns.state(f.state()))) {
          endedWithDependents.add(f);
        }
      }
    }
    if (!endedWithDependents.isEmpty()) {
      Map<Long, FinishRow> byId = new HashMap<>();
      rows.forEach(r -> byId.put(r.ref().id(), r));
      for (Finished f : endedWithDependents) {
        Instant at = byId.get(f.id()).finalizedAt();
        resolveDependents(c, f.id(), JobColumns.state(f.state()), at, woken);
      }
    }
    return applied;
  }

  @Override
  public JobHeartbeatResult jobHeartbeat(JobHeartbeatParams params) {
    if (params.jobs().isEmpty()) {
      return new JobHeartbeatResult(Set.of());
    }
    Set<Long> lost =
        write(
            "renew " + params.jobs().size() + " leases",
            c -> {
              Set<Long> notRenewed = new HashSet<>();
              Binder renew =
                  prepare(c, "JobHeartbeat")
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

  @Override
  public JobRescueResult jobRescueExpired(JobRescueParams params) {
    List<Long> retryable = new ArrayList<>();
    List<Long> discarded = new ArrayList<>();
    Set<String> woken = new LinkedHashSet<>();
    write(
        "rescue expired leases",
        c -> {
          record Expired(
              JobRef ref, int maxAttempts, String owner, Instant expiredAt, Instant scheduledAt) {}
          List<Expired> expired = new ArrayList<>();
          Binder read =
              prepare(c, "JobExpired")
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
          for (Finished f : finish(c, rows, woken)) {
            (f.state().equals("discarded") ? discarded : retryable).add(f.id());
          }
          return null;
        });
    notifier.wake(woken);
    return new JobRescueResult(retryable, discarded);
  }

  @Override
  public JobStageResult jobStage(JobStageParams params) {
    Map<String, Integer> staged =
        write(
            "stage due jobs",
            c -> {
              Map<String, Integer> byQueue = new HashMap<>();
              Binder stage =
                  prepare(c, "JobStage")
                      .setLong("now", JobRows.micros(params.now()))
                      .setInt("limit", params.limit());
              try (ResultSet rs = stage.statement().executeQuery()) {
                while (rs.next()) {
                  byQueue.merge(rs.getString(1), 1, Integer::sum);
                }
              }
              return byQueue;
            });
    notifier.wake(staged.keySet());
    return new JobStageResult(staged);
  }

  @Override
  public int jobPrune(JobPruneParams params) {
    return write(
        "prune finished jobs",
        c -> {
          return prepare(c, "JobPrune")
              .setLong("completedBefore", JobRows.micros(params.completedBefore()))
              .setLong("discardedBefore", JobRows.micros(params.discardedBefore()))
              .setLong("cancelledBefore", JobRows.micros(params.cancelledBefore()))
              .setInt("limit", params.limit())
              .statement()
              .executeUpdate();
        });
  }

  @Override
  public Optional<JobInfo> jobGet(long id) {
    return read("get job " + id, c -> get(c, id));
  }

  private Optional<JobInfo> get(SqliteConnections.Session c, long id) throws SQLException {
    List<JobInfo> jobs = readAll(prepare(c, "JobGet").setLong("id", id).statement());
    return jobs.isEmpty() ? Optional.empty() : Optional.of(jobs.get(0));
  }

  @Override
  public List<JobInfo> jobList(JobQuery query) {
    return read(
        "list jobs",
        c -> {
          Binder list =
              prepare(c, "JobList")
                  .setLong("afterId", query.afterId())
                  .setNullableString(
                      "states",
                      query.states().isEmpty()
                          ? null
                          : JobColumns.json(
                              query.states().stream().map(JobColumns::stateName).toList()))
                  .setNullableString("queue", query.queue())
                  .setNullableString("kind", query.kind())
                  .setInt("limit", query.limit());
          return readAll(list.statement());
        });
  }

  @Override
  public Optional<JobInfo> jobCancel(JobCancelParams params) {
    Set<String> woken = new LinkedHashSet<>();
    Optional<JobInfo> cancelled =
        write(
            "cancel job " + params.id(),
            c -> {
              Optional<JobInfo> job = get(c, params.id());
              if (job.isEmpty() || FINAL.contains(job.get().state())) {
                return job;
              }
              AttemptError reason =
                  AttemptError.of(job.get().attempt(), params.now(), "cancelled", params.reason());
              Binder cancel =
                  prepare(c, "JobCancel")
                      .setLong("now", JobRows.micros(params.now()))
                      .setString("error", JobColumns.errorJson(reason))
                      .setLong("id", params.id());
              boolean hasDependents;
              try (ResultSet rs = cancel.statement().executeQuery()) {
                hasDependents = rs.next() && rs.getInt(1) == 1;
              }
              if (hasDependents) {
                resolveDependents(c, params.id(), JobState.CANCELLED, params.now(), woken);
              }
              return get(c, params.id());
            });
    notifier.wake(woken);
    return cancelled;
  }

  @Override
  public Optional<JobInfo> jobRetry(JobRetryParams params) {
    Optional<JobInfo> job =
        write(
            "retry job " + params.id(),
            c -> {
              Optional<JobInfo> before = get(c, params.id());
              if (before.isPresent() && before.get().state() != JobState.RUNNING) {
                Binder other = prepare(c, "JobUniqueOtherHolder").setLong("id", params.id());
                try (ResultSet rs = other.statement().executeQuery()) {
                  if (rs.next()) {
                    throw new DuplicateJobException(params.id(), rs.getLong(1));
                  }
                }
              }
              prepare(c, "JobRetry")
                  .setLong("now", JobRows.micros(params.now()))
                  .setLong("id", params.id())
                  .statement()
                  .executeUpdate();
              return get(c, params.id());
            });
    job.filter(j -> j.state() == JobState.AVAILABLE)
        .ifPresent(j -> notifier.wake(Set.of(j.queue())));
    return job;
  }

  @Override
  public boolean jobDelete(JobDeleteParams params) {
    long id = params.id();
    Set<String> woken = new LinkedHashSet<>();
    boolean deleted =
        write(
            "delete job " + id,
            c -> {
              Binder delete = prepare(c, "JobDelete").setLong("id", id);
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
                resolveDependents(c, id, JobState.CANCELLED, params.now(), woken);
              }
              return true;
            });
    notifier.wake(woken);
    return deleted;
  }

  @Override
  public void queuePause(String queue) {
    writeOne("pause queue '" + queue + "'", "QueuePause", "queue", queue);
  }

  @Override
  public void queueResume(String queue) {
    writeOne("resume queue '" + queue + "'", "QueueResume", "queue", queue);
    notifier.wake(Set.of(queue));
  }

  /** Runs block {@code name}, whose one parameter {@code param} is {@code value}. */
  private void writeOne(String what, String name, String param, String value) {
    write(what, c -> prepare(c, name).setString(param, value).statement().executeUpdate());
  }

  @Override
  public List<QueueInfo> queueList() {
    return read(
        "count queues",
        c -> {
          Map<String, Map<JobState, Long>> counts = new TreeMap<>();
          Set<String> paused = new HashSet<>();
          try (ResultSet rs = c.prepare(sql.get("QueueCounts")).executeQuery()) {
            while (rs.next()) {
              counts
                  .computeIfAbsent(rs.getString(1), q -> new EnumMap<>(JobState.class))
                  .put(JobColumns.state(rs.getString(2)), rs.getLong(3));
            }
          }
          try (ResultSet rs = c.prepare(sql.get("QueuePaused")).executeQuery()) {
            while (rs.next()) {
              paused.add(rs.getString(1));
              counts.computeIfAbsent(rs.getString(1), q -> new EnumMap<>(JobState.class));
            }
          }
          List<QueueInfo> queues = new ArrayList<>(counts.size());
          counts.forEach(
              (name, byState) -> queues.add(new QueueInfo(name, paused.contains(name), byState)));
          return queues;
        });
  }

  @Override
  public boolean leaderElect(LeaderElectParams params) {
    return write(
        "elect a leader for '" + params.name() + "'",
        c -> {
          Binder elect =
              prepare(c, "LeaderElect")
                  .setString("name", params.name())
                  .setString("owner", params.owner())
                  .setLong("now", JobRows.micros(params.now()))
                  .setLong("expiresAt", JobRows.micros(params.expiresAt()));
          try (ResultSet rs = elect.statement().executeQuery()) {
            return rs.next();
          }
        });
  }

  @Override
  public void leaderResign(LeaderResignParams params) {
    write(
        "resign leadership of '" + params.name() + "'",
        c -> {
          return prepare(c, "LeaderResign")
              .setString("name", params.name())
              .setString("owner", params.owner())
              .statement()
              .executeUpdate();
        });
  }

  @Override
  public void nodeReport(NodeReportParams params) {
    write(
        "record the report of node " + params.nodeId(),
        c -> {
          return prepare(c, "NodeReport")
              .setString("id", params.nodeId())
              .setString("queues", NodeColumns.queuesJson(params.queues()))
              .setString("kinds", NodeColumns.kindsJson(params.kinds()))
              .setLong("startedAt", JobRows.micros(params.startedAt()))
              .setLong("now", JobRows.micros(params.now()))
              .setLong("expiresAt", JobRows.micros(params.expiresAt()))
              .statement()
              .executeUpdate();
        });
  }

  @Override
  public void nodeRemove(NodeRemoveParams params) {
    writeOne("remove node " + params.nodeId(), "NodeRemove", "id", params.nodeId());
  }

  @Override
  public List<NodeInfo> nodeList(NodeListParams params) {
    return read(
        "list nodes",
        c -> {
          Binder list = prepare(c, "NodeList").setLong("now", JobRows.micros(params.now()));
          List<NodeInfo> nodes = new ArrayList<>();
          try (ResultSet rs = list.statement().executeQuery()) {
            while (rs.next()) {
              nodes.add(
                  new NodeInfo(
                      rs.getString(1),
                      NodeColumns.queues(rs.getString(2)),
                      NodeColumns.kinds(rs.getString(3)),
                      JobRows.instant(rs.getLong(4)),
                      JobRows.instant(rs.getLong(5)),
                      JobRows.instant(rs.getLong(6))));
            }
          }
          return nodes;
        });
  }

  @Override
  public int nodePrune(NodePruneParams params) {
    return write(
        "prune expired nodes",
        c -> {
          return prepare(c, "NodePrune")
              .setLong("now", JobRows.micros(params.now()))
              .statement()
              .executeUpdate();
        });
  }

  /** The writer connection's value of a PRAGMA, for tests of the settings. */
  String pragma(String name) {
    if (!name.matches("[a-z_]+")) {
      throw new IllegalArgumentException("not a pragma name: " + name);
    }
    return write(
        "read PRAGMA " + name,
        c -> {
          try (ResultSet rs = c.prepare("PRAGMA " + name).executeQuery()) {
            return rs.next() ? rs.getString(1) : null;
          }
        });
  }

  /** Closes the file's connections and releases it to the next store that opens it. */
  @Override
  public void close() {
    notifier.close();
    connections.close();
  }

  private <T> T write(String what, SqliteConnections.Work<T> work) {
    return jdbc.call(what, () -> connections.write(work));
  }

  private <T> T read(String what, SqliteConnections.Work<T> work) {
    return jdbc.call(what, () -> connections.read(work));
  }

  private static List<JobInfo> readAll(PreparedStatement ps) throws SQLException {
    List<JobInfo> jobs = new ArrayList<>();
    try (ResultSet rs = ps.executeQuery()) {
      while (rs.next()) {
        jobs.add(JobRows.read(rs));
      }
    }
    return jobs;
  }

  /**
   * Block {@code name}'s statement on {@code c} (prepared once per connection), to bind by name.
   */
  private Binder prepare(SqliteConnections.Session c, String name) throws SQLException {
    Query query = sql.query(name);
    return query.bind(c.prepare(query.sql()));
  }

  /** The remedy for a store whose tables are missing. */
  private static String hint(SQLException e) {
    return e.getMessage() != null && e.getMessage().contains("no such table")
        ? " (has migrate() been called?)"
        : "";
  }

  /** Collects a {@link SqliteStore}'s settings. */
  public static final class Builder {
    private final Path file;
    private Synchronous synchronous = Synchronous.NORMAL;
    private Duration busyTimeout = DEFAULT_BUSY_TIMEOUT;
    private int readConnections = DEFAULT_READ_CONNECTIONS;

    private Builder(Path file) {
      this.file = Objects.requireNonNull(file, "file").toAbsolutePath().normalize();
    }

    /** How durable each commit is; {@link Synchronous#NORMAL} by default. */
    public Builder synchronous(Synchronous synchronous) {
      this.synchronous = Objects.requireNonNull(synchronous, "synchronous");
      return this;
    }

    /**
     * How long a statement waits for SQLite's file lock when something else holds it (a backup
     * tool, the sqlite3 shell), at least 0; {@link #DEFAULT_BUSY_TIMEOUT} by default.
     */
    public Builder busyTimeout(Duration busyTimeout) {
      Objects.requireNonNull(busyTimeout, "busyTimeout");
      if (busyTimeout.isNegative() || busyTimeout.toMillis() > Integer.MAX_VALUE) {
        throw new IllegalArgumentException(
            "busyTimeout must be between 0 and " + Integer.MAX_VALUE + " ms, was " + busyTimeout);
      }
      this.busyTimeout = busyTimeout;
      return this;
    }

    /**
     * How many connections serve reads, 1 to 64; {@link #DEFAULT_READ_CONNECTIONS} by default.
     * Writes always share one connection.
     */
    public Builder readConnections(int readConnections) {
      if (readConnections < 1 || readConnections > 64) {
        throw new IllegalArgumentException(
            "readConnections must be between 1 and 64, was " + readConnections);
      }
      this.readConnections = readConnections;
      return this;
    }

    /**
     * Opens the file, creating it and its directories if missing.
     *
     * @throws StoreException if the file cannot be opened, or another store has it open
     */
    public SqliteStore build() {
      return new SqliteStore(this);
    }
  }
}
