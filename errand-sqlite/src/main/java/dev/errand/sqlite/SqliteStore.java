package dev.errand.sqlite;

import dev.errand.Enqueued;
import dev.errand.JobEdges;
import dev.errand.JobInfo;
import dev.errand.JobQuery;
import dev.errand.NodeInfo;
import dev.errand.QueueInfo;
import dev.errand.StoreException;
import dev.errand.jdbc.internal.Migrations.Migration;
import dev.errand.jdbc.internal.StoreMigrations;
import dev.errand.spi.Capability;
import dev.errand.spi.JobCancelParams;
import dev.errand.spi.JobDeleteParams;
import dev.errand.spi.JobEdgesParams;
import dev.errand.spi.JobFetchParams;
import dev.errand.spi.JobFinishManyParams;
import dev.errand.spi.JobFinishManyResult;
import dev.errand.spi.JobHeartbeatParams;
import dev.errand.spi.JobHeartbeatResult;
import dev.errand.spi.JobImportParams;
import dev.errand.spi.JobInsertBatchParams;
import dev.errand.spi.JobInsertManyParams;
import dev.errand.spi.JobPruneParams;
import dev.errand.spi.JobRescueParams;
import dev.errand.spi.JobRescueResult;
import dev.errand.spi.JobRetryParams;
import dev.errand.spi.JobStageParams;
import dev.errand.spi.JobStageResult;
import dev.errand.spi.LeaderElectParams;
import dev.errand.spi.LeaderResignParams;
import dev.errand.spi.NodeListParams;
import dev.errand.spi.NodePruneParams;
import dev.errand.spi.NodeRemoveParams;
import dev.errand.spi.NodeReportParams;
import dev.errand.spi.Notifier;
import dev.errand.spi.SchemaMigrations;
import dev.errand.spi.Store;
import java.nio.file.Path;
import java.sql.ResultSet;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;

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
  private final StoreContext ctx;

  // Each Store method is one call to the part that does it; they share a StoreContext.
  private final JobInserts inserts;
  private final JobClaims claims;
  private final JobFinishes finishes;
  private final JobMaintenance maintenance;
  private final JobAdmin jobs;
  private final QueueAdmin queues;
  private final Leadership leadership;
  private final NodeRegistry nodes;

  private SqliteStore(Builder builder) {
    this.file = builder.file;
    this.ctx =
        new StoreContext(
            file,
            builder.synchronous.name(),
            builder.busyTimeout.toMillis(),
            builder.readConnections);
    JobDependencies dependencies = new JobDependencies(ctx);
    this.inserts = new JobInserts(ctx, dependencies);
    this.claims = new JobClaims(ctx);
    this.finishes = new JobFinishes(ctx, inserts, dependencies);
    this.maintenance = new JobMaintenance(ctx, finishes);
    this.jobs = new JobAdmin(ctx, dependencies);
    this.queues = new QueueAdmin(ctx);
    this.leadership = new Leadership(ctx);
    this.nodes = new NodeRegistry(ctx);
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
    return ctx.write("migrate", c -> Migrator.migrate(c.connection()));
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
        ctx.read("read the applied migrations", c -> Migrator.appliedVersions(c.connection()));
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
    return Optional.of(ctx.notifier);
  }

  @Override
  public List<Enqueued> jobInsertMany(JobInsertManyParams params) {
    return inserts.jobInsertMany(params);
  }

  @Override
  public List<Enqueued> jobInsertBatch(JobInsertBatchParams params) {
    return inserts.jobInsertBatch(params);
  }

  @Override
  public List<Enqueued> jobImport(JobImportParams params) {
    return inserts.jobImport(params);
  }

  @Override
  public List<JobInfo> jobFetch(JobFetchParams params) {
    return claims.jobFetch(params);
  }

  @Override
  public JobFinishManyResult jobFinishMany(JobFinishManyParams params) {
    return finishes.jobFinishMany(params);
  }

  @Override
  public JobHeartbeatResult jobHeartbeat(JobHeartbeatParams params) {
    return claims.jobHeartbeat(params);
  }

  @Override
  public JobRescueResult jobRescueExpired(JobRescueParams params) {
    return maintenance.jobRescueExpired(params);
  }

  @Override
  public JobStageResult jobStage(JobStageParams params) {
    return maintenance.jobStage(params);
  }

  @Override
  public int jobPrune(JobPruneParams params) {
    return maintenance.jobPrune(params);
  }

  @Override
  public Optional<JobInfo> jobGet(long id) {
    return jobs.jobGet(id);
  }

  @Override
  public List<JobInfo> jobList(JobQuery query) {
    return jobs.jobList(query);
  }

  @Override
  public JobEdges jobEdges(JobEdgesParams params) {
    return jobs.jobEdges(params);
  }

  @Override
  public Optional<JobInfo> jobCancel(JobCancelParams params) {
    return jobs.jobCancel(params);
  }

  @Override
  public Optional<JobInfo> jobRetry(JobRetryParams params) {
    return jobs.jobRetry(params);
  }

  @Override
  public boolean jobDelete(JobDeleteParams params) {
    return jobs.jobDelete(params);
  }

  @Override
  public void queuePause(String queue) {
    queues.queuePause(queue);
  }

  @Override
  public void queueResume(String queue) {
    queues.queueResume(queue);
  }

  @Override
  public List<QueueInfo> queueList() {
    return queues.queueList();
  }

  @Override
  public boolean leaderElect(LeaderElectParams params) {
    return leadership.leaderElect(params);
  }

  @Override
  public void leaderResign(LeaderResignParams params) {
    leadership.leaderResign(params);
  }

  @Override
  public void nodeReport(NodeReportParams params) {
    nodes.nodeReport(params);
  }

  @Override
  public void nodeRemove(NodeRemoveParams params) {
    nodes.nodeRemove(params);
  }

  @Override
  public List<NodeInfo> nodeList(NodeListParams params) {
    return nodes.nodeList(params);
  }

  @Override
  public int nodePrune(NodePruneParams params) {
    return nodes.nodePrune(params);
  }

  /** The writer connection's value of a PRAGMA, for tests of the settings. */
  String pragma(String name) {
    if (!name.matches("[a-z_]+")) {
      throw new IllegalArgumentException("not a pragma name: " + name);
    }
    return ctx.write(
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
    ctx.notifier.close();
    ctx.connections.close();
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
