package dev.errand.sqlite;

import dev.errand.AttemptError;
import dev.errand.Enqueued;
import dev.errand.JobInfo;
import dev.errand.JobQuery;
import dev.errand.JobState;
import dev.errand.QueueInfo;
import dev.errand.StoreException;
import dev.errand.spi.Capability;
import dev.errand.spi.JobCancelParams;
import dev.errand.spi.JobFetchParams;
import dev.errand.spi.JobFinish;
import dev.errand.spi.JobFinishManyParams;
import dev.errand.spi.JobFinishManyResult;
import dev.errand.spi.JobHeartbeatParams;
import dev.errand.spi.JobHeartbeatResult;
import dev.errand.spi.JobInsertManyParams;
import dev.errand.spi.JobPruneParams;
import dev.errand.spi.JobRef;
import dev.errand.spi.JobRescueParams;
import dev.errand.spi.JobRescueResult;
import dev.errand.spi.JobRetryParams;
import dev.errand.spi.JobStageParams;
import dev.errand.spi.JobStageResult;
import dev.errand.spi.LeaderElectParams;
import dev.errand.spi.LeaderResignParams;
import dev.errand.spi.NewJob;
import dev.errand.spi.Notifier;
import dev.errand.spi.Store;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Types;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
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
 * <p><b>No transactional enqueue.</b> {@link Capability#TX_ENQUEUE} is not declared: a caller's
 * transaction on the same file would be a second writer competing with the store's own for SQLite's
 * single write lock, so an enqueue inside it could deadlock against the engine or fail with {@code
 * SQLITE_BUSY}.
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

  private static final Comparator<JobInfo> FETCH_ORDER =
      Comparator.comparingInt(JobInfo::priority)
          .thenComparing(JobInfo::scheduledAt)
          .thenComparingLong(JobInfo::id);

  private static final Set<JobState> FINAL =
      Set.of(JobState.COMPLETED, JobState.DISCARDED, JobState.CANCELLED);

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
  private final NamedSql sql = NamedSql.load("store.sql");
  private final SqliteConnections connections;
  private final LocalNotifier notifier = new LocalNotifier();

  private SqliteStore(Builder builder) {
    this.file = builder.file;
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
    return write("migrate", Migrator::migrate);
  }

  @Override
  public Set<Capability> capabilities() {
    return Set.of(Capability.DURABLE, Capability.LISTEN_NOTIFY);
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

  private List<Enqueued> insert(Connection c, List<NewJob> jobs, Instant now, Set<String> woken)
      throws SQLException {
    List<Enqueued> result = new ArrayList<>(jobs.size());
    long createdAt = JobRows.micros(now);
    try (PreparedStatement ps = c.prepareStatement(sql.get("JobInsert"))) {
      for (NewJob job : jobs) {
        JobState state = job.scheduledAt().isAfter(now) ? JobState.SCHEDULED : JobState.AVAILABLE;
        ps.setString(1, JobRows.stateName(state));
        ps.setString(2, job.queue());
        ps.setString(3, job.kind());
        ps.setString(4, job.argsJson());
        ps.setInt(5, job.priority());
        ps.setInt(6, job.maxAttempts());
        ps.setLong(7, createdAt);
        ps.setLong(8, JobRows.micros(job.scheduledAt()));
        ps.setString(9, job.tags().isEmpty() ? "[]" : JobRows.json(job.tags()));
        ps.setString(10, job.metadata().isEmpty() ? "{}" : JobRows.json(job.metadata()));
        try (ResultSet rs = ps.executeQuery()) {
          if (!rs.next()) {
            throw new StoreException("inserting a job returned no id");
          }
          result.add(new Enqueued(rs.getLong(1), state, false));
        }
        if (state == JobState.AVAILABLE) {
          woken.add(job.queue());
        }
      }
    }
    return result;
  }

  @Override
  public List<JobInfo> jobFetch(JobFetchParams params) {
    List<JobInfo> jobs =
        write(
            "fetch jobs of queue '" + params.queue() + "'",
            c -> {
              try (PreparedStatement ps = c.prepareStatement(sql.get("JobFetch"))) {
                ps.setLong(1, JobRows.micros(params.now()));
                ps.setString(2, params.owner());
                ps.setLong(3, JobRows.micros(params.leaseExpiresAt()));
                ps.setString(4, params.queue());
                ps.setInt(5, params.limit());
                return readAll(ps);
              }
            });
    // RETURNING follows no order; the contract promises fetch order.
    jobs.sort(FETCH_ORDER);
    return jobs;
  }

  @Override
  public JobFinishManyResult jobFinishMany(JobFinishManyParams params) {
    if (params.results().isEmpty()) {
      return new JobFinishManyResult(Set.of());
    }
    Set<String> woken = new LinkedHashSet<>();
    Set<Long> applied =
        write(
            "record " + params.results().size() + " job results",
            c -> {
              Set<Long> done = new HashSet<>();
              try (PreparedStatement ps = c.prepareStatement(sql.get("JobFinish"))) {
                for (JobFinish result : params.results()) {
                  String queue = finish(ps, result);
                  if (queue == null) {
                    continue; // fenced out
                  }
                  done.add(result.ref().id());
                  if (becomesAvailable(result)) {
                    woken.add(queue);
                  }
                  if (result instanceof JobFinish.Completed completed
                      && !completed.followUps().isEmpty()) {
                    insert(c, completed.followUps(), completed.at(), woken);
                  }
                }
              }
              return done;
            });
    notifier.wake(woken);
    return new JobFinishManyResult(applied);
  }

  /** Writes one result through the JobFinish statement; returns its job's queue, or null. */
  private static String finish(PreparedStatement ps, JobFinish result) throws SQLException {
    String state;
    int attemptDelta = 0;
    Instant scheduledAt = null;
    Instant finalizedAt = null;
    AttemptError error = null;
    switch (result) {
      case JobFinish.Completed c -> {
        state = "completed";
        finalizedAt = c.at();
      }
      case JobFinish.Failed f -> {
        error = f.error();
        if (f.retryAt() == null) {
          state = "discarded";
          finalizedAt = f.at();
        } else {
          state = "retryable";
          scheduledAt = f.retryAt();
        }
      }
      case JobFinish.Snoozed s -> {
        state = s.runAt().isAfter(s.at()) ? "scheduled" : "available";
        scheduledAt = s.runAt();
        attemptDelta = -1;
      }
      case JobFinish.Cancelled x -> {
        state = "cancelled";
        finalizedAt = x.at();
        error = x.reason();
      }
      case JobFinish.Released r -> {
        state = "available";
        scheduledAt = r.at();
        attemptDelta = -1;
      }
    }
    return finish(ps, result.ref(), state, attemptDelta, scheduledAt, finalizedAt, error);
  }

  private static String finish(
      PreparedStatement ps,
      JobRef ref,
      String state,
      int attemptDelta,
      Instant scheduledAt,
      Instant finalizedAt,
      AttemptError error)
      throws SQLException {
    ps.setString(1, state);
    ps.setInt(2, attemptDelta);
    setNullableMicros(ps, 3, scheduledAt);
    setNullableMicros(ps, 4, finalizedAt);
    setNullableText(ps, 5, error == null ? null : JobRows.errorJson(error));
    ps.setLong(6, ref.id());
    ps.setInt(7, ref.attempt());
    try (ResultSet rs = ps.executeQuery()) {
      return rs.next() ? rs.getString(1) : null;
    }
  }

  private static boolean becomesAvailable(JobFinish result) {
    return switch (result) {
      case JobFinish.Released r -> true;
      case JobFinish.Snoozed s -> !s.runAt().isAfter(s.at());
      default -> false;
    };
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
              try (PreparedStatement ps = c.prepareStatement(sql.get("JobHeartbeat"))) {
                ps.setLong(1, JobRows.micros(params.leaseExpiresAt()));
                ps.setString(4, params.owner());
                for (JobRef ref : params.jobs()) {
                  ps.setLong(2, ref.id());
                  ps.setInt(3, ref.attempt());
                  if (ps.executeUpdate() == 0) {
                    notRenewed.add(ref.id());
                  }
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
    write(
        "rescue expired leases",
        c -> {
          record Expired(JobRef ref, int maxAttempts, String owner, Instant expiredAt) {}
          List<Expired> expired = new ArrayList<>();
          try (PreparedStatement ps = c.prepareStatement(sql.get("JobExpired"))) {
            ps.setLong(1, JobRows.micros(params.now()));
            ps.setInt(2, params.limit());
            try (ResultSet rs = ps.executeQuery()) {
              while (rs.next()) {
                expired.add(
                    new Expired(
                        new JobRef(rs.getLong(1), rs.getInt(2)),
                        rs.getInt(3),
                        rs.getString(4),
                        JobRows.instant(rs.getLong(5))));
              }
            }
          }
          // The expired attempt counts as failed, written like a worker's failure: same fence.
          try (PreparedStatement ps = c.prepareStatement(sql.get("JobFinish"))) {
            for (Expired e : expired) {
              AttemptError error =
                  AttemptError.of(
                      e.ref().attempt(),
                      params.now(),
                      "lease_expired",
                      "lease of " + e.owner() + " expired at " + e.expiredAt());
              boolean last = e.ref().attempt() >= e.maxAttempts();
              if (last) {
                finish(ps, e.ref(), "discarded", 0, null, params.now(), error);
                discarded.add(e.ref().id());
              } else {
                finish(ps, e.ref(), "retryable", 0, params.now(), null, error);
                retryable.add(e.ref().id());
              }
            }
          }
          return null;
        });
    return new JobRescueResult(retryable, discarded);
  }

  @Override
  public JobStageResult jobStage(JobStageParams params) {
    Map<String, Integer> staged =
        write(
            "stage due jobs",
            c -> {
              Map<String, Integer> byQueue = new HashMap<>();
              try (PreparedStatement ps = c.prepareStatement(sql.get("JobStage"))) {
                ps.setLong(1, JobRows.micros(params.now()));
                ps.setInt(2, params.limit());
                try (ResultSet rs = ps.executeQuery()) {
                  while (rs.next()) {
                    byQueue.merge(rs.getString(1), 1, Integer::sum);
                  }
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
          try (PreparedStatement ps = c.prepareStatement(sql.get("JobPrune"))) {
            ps.setLong(1, JobRows.micros(params.completedBefore()));
            ps.setLong(2, JobRows.micros(params.discardedBefore()));
            ps.setLong(3, JobRows.micros(params.cancelledBefore()));
            ps.setInt(4, params.limit());
            return ps.executeUpdate();
          }
        });
  }

  @Override
  public Optional<JobInfo> jobGet(long id) {
    return read("get job " + id, c -> get(c, id));
  }

  private Optional<JobInfo> get(Connection c, long id) throws SQLException {
    try (PreparedStatement ps = c.prepareStatement(sql.get("JobGet"))) {
      ps.setLong(1, id);
      List<JobInfo> jobs = readAll(ps);
      return jobs.isEmpty() ? Optional.empty() : Optional.of(jobs.get(0));
    }
  }

  @Override
  public List<JobInfo> jobList(JobQuery query) {
    return read(
        "list jobs",
        c -> {
          try (PreparedStatement ps = c.prepareStatement(sql.get("JobList"))) {
            ps.setLong(1, query.afterId());
            setNullableText(
                ps,
                2,
                query.states().isEmpty()
                    ? null
                    : JobRows.json(query.states().stream().map(JobRows::stateName).toList()));
            setNullableText(ps, 3, query.queue());
            setNullableText(ps, 4, query.kind());
            ps.setInt(5, query.limit());
            return readAll(ps);
          }
        });
  }

  @Override
  public Optional<JobInfo> jobCancel(JobCancelParams params) {
    return write(
        "cancel job " + params.id(),
        c -> {
          Optional<JobInfo> job = get(c, params.id());
          if (job.isEmpty() || FINAL.contains(job.get().state())) {
            return job;
          }
          AttemptError reason =
              AttemptError.of(job.get().attempt(), params.now(), "cancelled", params.reason());
          try (PreparedStatement ps = c.prepareStatement(sql.get("JobCancel"))) {
            ps.setLong(1, JobRows.micros(params.now()));
            ps.setString(2, JobRows.errorJson(reason));
            ps.setLong(3, params.id());
            ps.executeUpdate();
          }
          return get(c, params.id());
        });
  }

  @Override
  public Optional<JobInfo> jobRetry(JobRetryParams params) {
    Optional<JobInfo> job =
        write(
            "retry job " + params.id(),
            c -> {
              try (PreparedStatement ps = c.prepareStatement(sql.get("JobRetry"))) {
                ps.setLong(1, JobRows.micros(params.now()));
                ps.setLong(2, params.id());
                ps.executeUpdate();
              }
              return get(c, params.id());
            });
    job.filter(j -> j.state() == JobState.AVAILABLE)
        .ifPresent(j -> notifier.wake(Set.of(j.queue())));
    return job;
  }

  @Override
  public boolean jobDelete(long id) {
    return write(
        "delete job " + id,
        c -> {
          try (PreparedStatement ps = c.prepareStatement(sql.get("JobDelete"))) {
            ps.setLong(1, id);
            return ps.executeUpdate() == 1;
          }
        });
  }

  @Override
  public void queuePause(String queue) {
    writeOne("pause queue '" + queue + "'", "QueuePause", queue);
  }

  @Override
  public void queueResume(String queue) {
    writeOne("resume queue '" + queue + "'", "QueueResume", queue);
    notifier.wake(Set.of(queue));
  }

  private void writeOne(String what, String name, String value) {
    write(
        what,
        c -> {
          try (PreparedStatement ps = c.prepareStatement(sql.get(name))) {
            ps.setString(1, value);
            return ps.executeUpdate();
          }
        });
  }

  @Override
  public List<QueueInfo> queueList() {
    return read(
        "count queues",
        c -> {
          Map<String, Map<JobState, Long>> counts = new TreeMap<>();
          Set<String> paused = new HashSet<>();
          try (PreparedStatement ps = c.prepareStatement(sql.get("QueueCounts"));
              ResultSet rs = ps.executeQuery()) {
            while (rs.next()) {
              counts
                  .computeIfAbsent(rs.getString(1), q -> new EnumMap<>(JobState.class))
                  .put(JobRows.state(rs.getString(2)), rs.getLong(3));
            }
          }
          try (PreparedStatement ps = c.prepareStatement(sql.get("QueuePaused"));
              ResultSet rs = ps.executeQuery()) {
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
          try (PreparedStatement ps = c.prepareStatement(sql.get("LeaderElect"))) {
            ps.setString(1, params.name());
            ps.setString(2, params.owner());
            ps.setLong(3, JobRows.micros(params.now()));
            ps.setLong(4, JobRows.micros(params.expiresAt()));
            try (ResultSet rs = ps.executeQuery()) {
              return rs.next();
            }
          }
        });
  }

  @Override
  public void leaderResign(LeaderResignParams params) {
    write(
        "resign leadership of '" + params.name() + "'",
        c -> {
          try (PreparedStatement ps = c.prepareStatement(sql.get("LeaderResign"))) {
            ps.setString(1, params.name());
            ps.setString(2, params.owner());
            return ps.executeUpdate();
          }
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
          try (PreparedStatement ps = c.prepareStatement("PRAGMA " + name);
              ResultSet rs = ps.executeQuery()) {
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
    try {
      return connections.write(work);
    } catch (SQLException e) {
      throw failed(what, e);
    }
  }

  private <T> T read(String what, SqliteConnections.Work<T> work) {
    try {
      return connections.read(work);
    } catch (SQLException e) {
      throw failed(what, e);
    }
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

  private static void setNullableText(PreparedStatement ps, int index, String value)
      throws SQLException {
    if (value == null) {
      ps.setNull(index, Types.VARCHAR);
    } else {
      ps.setString(index, value);
    }
  }

  private static void setNullableMicros(PreparedStatement ps, int index, Instant value)
      throws SQLException {
    if (value == null) {
      ps.setNull(index, Types.BIGINT);
    } else {
      ps.setLong(index, JobRows.micros(value));
    }
  }

  private StoreException failed(String what, SQLException e) {
    String hint =
        e.getMessage() != null && e.getMessage().contains("no such table")
            ? " (has migrate() been called?)"
            : "";
    return new StoreException(
        "SQLite store " + file + " could not " + what + ": " + e.getMessage() + hint, e);
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
