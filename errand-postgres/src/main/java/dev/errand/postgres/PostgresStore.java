package dev.errand.postgres;

import dev.errand.Enqueued;
import dev.errand.JobEdges;
import dev.errand.JobInfo;
import dev.errand.JobQuery;
import dev.errand.NodeInfo;
import dev.errand.QueueInfo;
import dev.errand.StoreException;
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
import dev.errand.spi.QueueListParams;
import dev.errand.spi.SchemaMigrations;
import dev.errand.spi.Store;
import java.sql.Connection;
import java.time.Duration;
import java.time.Instant;
import java.util.HashSet;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Pattern;
import javax.sql.DataSource;

/**
 * Errand's production store: jobs in a PostgreSQL table, claimed with {@code FOR UPDATE SKIP
 * LOCKED}, woken by {@code LISTEN/NOTIFY}, enqueued inside the caller's transaction if it wishes.
 *
 * <p>Takes any {@link DataSource} (a pool such as HikariCP is recommended); each call borrows one
 * connection for one statement and never holds a transaction while a job runs. With {@link
 * Builder#listen(boolean) listen} on (the default) the store keeps one extra connection open for
 * {@code LISTEN}; turn it off behind PgBouncer in transaction mode, and nodes poll instead. Call
 * {@link #migrate()} once at start, or apply {@link #migrationSql()} with your own tool.
 */
public final class PostgresStore implements Store {

  /** The schema used unless the builder names another. */
  public static final String DEFAULT_SCHEMA = "errand";

  /**
   * The default {@link Builder#notifyWindow}: at most about 2,000 notifications a second per queue
   * from a store's single enqueues (one at the start of each window and one trailing), for at most
   * 1 ms more pickup latency on other nodes.
   */
  public static final Duration DEFAULT_NOTIFY_WINDOW = Duration.ofMillis(1);

  /** The default {@link Builder#vacuumInterval}: autovacuum's own naptime. */
  public static final Duration DEFAULT_VACUUM_INTERVAL = Duration.ofMinutes(1);

  private static final Pattern SCHEMA_NAME = Pattern.compile("[a-z_][a-z0-9_]{0,62}");

  private final DataSource dataSource;
  private final String schema;
  private final PostgresNotifier notifier;
  private final NotifyDebouncer debouncer;

  // Each public method is one call to the part that does it; they share a StoreContext.
  private final JobInserts inserts;
  private final JobClaims claims;
  private final JobFinishes finishes;
  private final JobMaintenance maintenance;
  private final JobAdmin jobs;
  private final QueueAdmin queues;
  private final Leadership leadership;
  private final NodeRegistry nodes;

  private PostgresStore(Builder builder) {
    this.dataSource = builder.dataSource;
    this.schema = checkSchema(builder.schema);
    StoreContext ctx = new StoreContext(dataSource, schema);
    this.notifier = builder.listen ? new PostgresNotifier(dataSource, ctx.channel) : null;
    this.debouncer = new NotifyDebouncer(builder.notifyWindow, ctx::announceEnqueued);
    JobDependencies dependencies = new JobDependencies(ctx);
    this.inserts = new JobInserts(ctx, dependencies, debouncer);
    this.claims = new JobClaims(ctx);
    this.finishes = new JobFinishes(ctx, inserts, dependencies);
    this.maintenance =
        new JobMaintenance(ctx, dependencies, new VacuumSchedule(ctx, builder.vacuumInterval));
    this.jobs = new JobAdmin(ctx, dependencies);
    this.queues = new QueueAdmin(ctx);
    this.leadership = new Leadership(ctx);
    this.nodes = new NodeRegistry(ctx);
  }

  /** A builder for a store on {@code dataSource}. */
  public static Builder builder(DataSource dataSource) {
    return new Builder(dataSource);
  }

  /** The schema this store's tables live in. */
  public String schema() {
    return schema;
  }

  /**
   * Creates or upgrades this store's tables: applies the migrations not yet recorded, each in its
   * own transaction, under an advisory lock so that nodes starting together do not race.
   *
   * @return the versions applied now (empty when the schema was up to date)
   */
  public List<Integer> migrate() {
    return new Migrator(dataSource, schema).migrate();
  }

  /**
   * Every migration as one plain SQL script, for teams that apply schema changes with Flyway or
   * Liquibase.
   */
  public String migrationSql() {
    return migrationSql(0);
  }

  /**
   * The migrations newer than {@code afterVersion} as one SQL script, for upgrading a schema kept
   * by Flyway or Liquibase. Like {@link #migrate()}, the script records each version it applies, so
   * a later {@code migrate()} finds nothing to do.
   */
  public String migrationSql(int afterVersion) {
    return new Migrator(dataSource, schema).script(afterVersion);
  }

  /** The newest schema version this version of Errand has and needs. */
  public int latestMigration() {
    return new Migrator(dataSource, schema).latestVersion();
  }

  /**
   * Checks that every migration is applied, for a node that does not {@link #migrate()} itself.
   *
   * @throws StoreException naming the missing versions and what to run, or when the database is
   *     unreachable
   */
  public void checkMigrated() {
    new Migrator(dataSource, schema).checkMigrated();
  }

  /** This schema's {@link #migrate}, {@link #migrationSql(int)} and {@link #checkMigrated}. */
  @Override
  public Optional<SchemaMigrations> migrations() {
    return Optional.of(
        new StoreMigrations(
            "schema " + schema,
            this::latestMigration,
            this::migrate,
            this::migrationSql,
            this::checkMigrated));
  }

  @Override
  public Set<Capability> capabilities() {
    Set<Capability> capabilities = new HashSet<>();
    capabilities.add(Capability.DURABLE);
    capabilities.add(Capability.MULTI_PROCESS);
    capabilities.add(Capability.TX_ENQUEUE);
    capabilities.add(Capability.UNIQUE_JOBS);
    capabilities.add(Capability.DEPENDENCIES);
    capabilities.add(Capability.NODE_REGISTRY);
    if (notifier != null) {
      capabilities.add(Capability.LISTEN_NOTIFY);
    }
    return Set.copyOf(capabilities);
  }

  @Override
  public Optional<Notifier> notifier() {
    return Optional.ofNullable(notifier);
  }

  @Override
  public List<Enqueued> jobInsertMany(JobInsertManyParams params) {
    return inserts.jobInsertMany(params);
  }

  @Override
  public List<Enqueued> jobInsertMany(Connection connection, JobInsertManyParams params) {
    return inserts.jobInsertMany(connection, params);
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
  public List<Enqueued> jobInsertBatch(Connection connection, JobInsertBatchParams params) {
    return inserts.jobInsertBatch(connection, params);
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
  public List<QueueInfo> queueList(QueueListParams params) {
    return queues.queueList(params);
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
  public Optional<Instant> time() {
    return Optional.of(nodes.time());
  }

  @Override
  public int nodePrune(NodePruneParams params) {
    return nodes.nodePrune(params);
  }

  @Override
  public void close() {
    debouncer.close();
    if (notifier != null) {
      notifier.close();
    }
  }

  /**
   * Checks a schema name: lower-case letters, digits and underscores, starting with a letter or
   * underscore, at most 63 characters (PostgreSQL's identifier limit). It is spliced into SQL, so
   * nothing else may pass.
   */
  static String checkSchema(String schema) {
    if (schema == null || !SCHEMA_NAME.matcher(schema).matches()) {
      throw new IllegalArgumentException(
          "schema must be 1 to 63 lower-case letters, digits or '_', starting with a letter or"
              + " '_', was "
              + (schema == null ? "null" : "'" + schema + "'"));
    }
    return schema;
  }

  /** Collects a {@link PostgresStore}'s settings. */
  public static final class Builder {
    private final DataSource dataSource;
    private String schema = DEFAULT_SCHEMA;
    private boolean listen = true;
    private Duration vacuumInterval = DEFAULT_VACUUM_INTERVAL;
    private Duration notifyWindow = DEFAULT_NOTIFY_WINDOW;

    private Builder(DataSource dataSource) {
      this.dataSource = Objects.requireNonNull(dataSource, "dataSource");
    }

    /** The schema of Errand's tables; lower-case letters, digits and '_'. */
    public Builder schema(String schema) {
      this.schema = checkSchema(schema);
      return this;
    }

    /**
     * Whether to hold a connection open for {@code LISTEN} wake-ups (default true). Turn it off
     * behind PgBouncer in transaction mode, where LISTEN does not work: nodes then poll.
     */
    public Builder listen(boolean listen) {
      this.listen = listen;
      return this;
    }

    /**
     * When autovacuum is off for the job table, how often the maintenance leader vacuums the job
     * tables itself, after a prune round (default {@link #DEFAULT_VACUUM_INTERVAL}, autovacuum's
     * own pace); the first time one interval after the store starts. With autovacuum on it never
     * does.
     */
    public Builder vacuumInterval(Duration interval) {
      this.vacuumInterval = positive("vacuumInterval", interval);
      return this;
    }

    /**
     * Debounces the notifications of single enqueues made outside the caller's transaction: each
     * queue is announced at most once per window by an enqueue itself, and enqueues inside the
     * window by one trailing notification at its end (default {@link #DEFAULT_NOTIFY_WINDOW}).
     * Other nodes then learn of such a job at most one window late; this node's own producers are
     * woken by the enqueue at once.
     */
    public Builder notifyWindow(Duration window) {
      this.notifyWindow = positive("notifyWindow", window);
      return this;
    }

    private static Duration positive(String name, Duration value) {
      if (value.isNegative() || value.isZero()) {
        throw new IllegalArgumentException(name + " must be positive, was " + value);
      }
      return value;
    }

    public PostgresStore build() {
      return new PostgresStore(this);
    }
  }
}
