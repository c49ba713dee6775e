package dev.errand.postgres;

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
import dev.errand.jdbc.internal.NamedSql;
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
import dev.errand.spi.Store;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.sql.Types;
import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.regex.Pattern;
import javax.sql.DataSource;
import org.postgresql.PGStatement;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

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

  private static final Logger log = LoggerFactory.getLogger(PostgresStore.class);

  private static final Comparator<JobInfo> FETCH_ORDER =
      Comparator.comparingInt(JobInfo::priority)
          .thenComparing(JobInfo::scheduledAt)
          .thenComparingLong(JobInfo::id);

  /** Insert attempts for unique jobs whose holder keeps vanishing; see insertUnique. */
  private static final int UNIQUE_ROUNDS = 5;

  /** SQLSTATE of a unique index violation. */
  private static final String UNIQUE_VIOLATION = "23505";

  private static final Pattern SCHEMA_NAME = Pattern.compile("[a-z_][a-z0-9_]{0,62}");

  private final DataSource dataSource;
  private final String schema;
  private final NamedSql sql;
  private final JdbcRunner jdbc;
  private final String channel;
  private final PostgresNotifier notifier;
  private final NotifyDebouncer debouncer;
  private final FetchHints hints = new FetchHints();
  private final RescueWatermark rescueWatermark = new RescueWatermark();

  private final Duration vacuumInterval;

  /**
   * When {@link #vacuumIfNeeded} last vacuumed, or the store started ({@link System#nanoTime()}): a
   * process that lives less than an interval (a test, a CLI command) never vacuums, and a node that
   * starts on a full queue does not vacuum while it burns it down.
   */
  private long lastVacuumNanos;

  /** Whether the note that this store vacuums its tables itself was logged. */
  private boolean vacuumNoted;

  /** Whether VACUUM failed (no privilege, say); it is then not tried again. */
  private boolean vacuumRefused;

  private PostgresStore(Builder builder) {
    this.dataSource = builder.dataSource;
    this.schema = checkSchema(builder.schema);
    this.sql = NamedSql.load(PostgresStore.class, "store.sql").replace("{schema}", schema);
    this.jdbc = new JdbcRunner("PostgreSQL store (schema " + schema + ")", dataSource, e -> "");
    this.channel = "errand_" + schema;
    this.notifier = builder.listen ? new PostgresNotifier(dataSource, channel) : null;
    this.debouncer = new NotifyDebouncer(builder.notifyWindow, this::announceEnqueued);
    this.vacuumInterval = builder.vacuumInterval;
    this.lastVacuumNanos = System.nanoTime();
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
    if (params.jobs().isEmpty()) {
      return List.of();
    }
    List<NewJob> jobs = params.jobs();
    if (jobs.size() == 1 && !jobs.get(0).isUnique() && !hasDependencies(jobs)) {
      return List.of(insertOneDebounced(jobs.get(0), params.now()));
    }
    try (Connection c = dataSource.getConnection()) {
      // Dependencies take several statements, which must commit together; so may a unique insert
      // (see insertUnique), unless it is of a single job: a write that stored nothing leaves
      // nothing to undo.
      boolean severalWrites =
          hasDependencies(params.jobs()) || (hasUnique(params.jobs()) && params.jobs().size() > 1);
      return severalWrites ? inTransaction(c, () -> insert(c, params)) : insert(c, params);
    } catch (SQLException e) {
      throw failed("insert jobs", e);
    }
  }

  @Override
  public List<Enqueued> jobInsertBatch(JobInsertBatchParams params) {
    try (Connection c = dataSource.getConnection()) {
      return inTransaction(c, () -> insertBatch(c, params));
    } catch (SQLException e) {
      throw failed("insert a batch of " + params.members().size() + " jobs", e);
    }
  }

  @Override
  public List<Enqueued> jobInsertBatch(Connection connection, JobInsertBatchParams params) {
    Objects.requireNonNull(connection, "connection");
    try {
      return insertBatch(connection, params);
    } catch (SQLException e) {
      throw failed(
          "insert a batch of " + params.members().size() + " jobs in the caller's transaction", e);
    }
  }

  private List<Enqueued> insertBatch(Connection c, JobInsertBatchParams params)
      throws SQLException {
    List<Enqueued> result = new ArrayList<>(params.members().size() + 1);
    result.addAll(insert(c, new JobInsertManyParams(params.members(), params.now())));
    List<Long> memberIds = result.stream().map(Enqueued::id).toList();
    NewJob callback = params.callback().withDependencies(memberIds, DependencyFailure.RUN);
    result.addAll(insertWithDependencies(c, List.of(callback), params.now()));
    return result;
  }

  private static boolean hasDependencies(List<NewJob> jobs) {
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
  private List<Enqueued> insertWithDependencies(Connection c, List<NewJob> jobs, Instant now)
      throws SQLException {
    TreeSet<Long> dependencyIds = new TreeSet<>();
    for (NewJob job : jobs) {
      dependencyIds.addAll(job.dependsOn());
    }
    Map<Long, JobState> states = new HashMap<>();
    try (PreparedStatement ps = planEachTime(c, "JobDependenciesLock")) {
      sql.query("JobDependenciesLock")
          .bind(ps)
          .setArray("ids", c.createArrayOf("int8", dependencyIds.toArray()));
      try (ResultSet rs = ps.executeQuery()) {
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
      try (PreparedStatement ps = planEachTime(c, "JobDependenciesMark")) {
        sql.query("JobDependenciesMark")
            .bind(ps)
            .setArray("ids", c.createArrayOf("int8", unfinished.toArray()));
        ps.executeUpdate();
      }
    }
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
    List<Enqueued> result = new ArrayList<>(n);
    try (PreparedStatement ps = planEachTime(c, "JobInsertWithDependencies")) {
      Binder b = sql.query("JobInsertWithDependencies").bind(ps);
      setTimestamp(b, "now", now);
      bindColumns(c, b, jobs);
      b.setArray("states", c.createArrayOf("text", jobStates))
          .setArray("finalizedAt", c.createArrayOf("text", finalizedAt))
          .setArray("errors", c.createArrayOf("text", errors))
          .setArray("waiting", c.createArrayOf("int4", waiting))
          .setArray("completed", c.createArrayOf("int4", completed))
          .setArray("discarded", c.createArrayOf("int4", discarded))
          .setArray("cancelled", c.createArrayOf("int4", cancelled))
          .setArray("cancelOnFailure", c.createArrayOf("bool", cancelOnFailure))
          .setString("channel", channel);
      try (ResultSet rs = ps.executeQuery()) {
        while (rs.next()) {
          result.add(new Enqueued(rs.getLong(1), JobColumns.state(rs.getString(2)), false));
        }
      }
    }
    if (result.size() != n) {
      throw new StoreException("inserted " + result.size() + " jobs of " + n);
    }
    List<Long> dependsOn = new ArrayList<>();
    List<Long> dependents = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      for (long id : jobs.get(i).dependsOn()) {
        if (!states.get(id).isFinal()) {
          dependsOn.add(id);
          dependents.add(result.get(i).id());
        }
      }
    }
    if (!dependsOn.isEmpty()) {
      try (PreparedStatement ps = planEachTime(c, "JobDependencyInsert")) {
        sql.query("JobDependencyInsert")
            .bind(ps)
            .setArray("dependsOn", c.createArrayOf("int8", dependsOn.toArray()))
            .setArray("dependents", c.createArrayOf("int8", dependents.toArray()));
        ps.executeUpdate();
      }
    }
    return result;
  }

  /**
   * Counts the end of the jobs in {@code ended} (id → final state name) in the jobs waiting on
   * them, inside the current transaction, and passes each cancellation this causes on to the
   * cancelled job's own dependents. Wakes nothing itself: adds the queues of jobs made available to
   * {@code woken}.
   */
  private void resolveDependents(
      Connection c, Map<Long, String> ended, Instant now, Set<String> woken) throws SQLException {
    while (!ended.isEmpty()) {
      Long[] ids = ended.keySet().toArray(Long[]::new);
      String[] outcomes = ended.values().toArray(String[]::new);
      Map<Long, String> cancelled = new LinkedHashMap<>();
      try (PreparedStatement ps = planEachTime(c, "JobDependentsResolve")) {
        Binder b = sql.query("JobDependentsResolve").bind(ps);
        b.setArray("ids", c.createArrayOf("int8", ids))
            .setArray("outcomes", c.createArrayOf("text", outcomes));
        setTimestamp(b, "now", now);
        try (ResultSet rs = ps.executeQuery()) {
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

  private interface SqlWork<T> {
    T run() throws SQLException;
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

  /** Runs {@code work} as one transaction on {@code c}. */
  private static <T> T inTransaction(Connection c, SqlWork<T> work) throws SQLException {
    c.setAutoCommit(false);
    try {
      T result = work.run();
      c.commit();
      return result;
    } catch (SQLException | RuntimeException e) {
      c.rollback();
      throw e;
    } finally {
      c.setAutoCommit(true);
    }
  }

  @Override
  public List<Enqueued> jobInsertMany(Connection connection, JobInsertManyParams params) {
    Objects.requireNonNull(connection, "connection");
    if (params.jobs().isEmpty()) {
      return List.of();
    }
    try {
      return insert(connection, params);
    } catch (SQLException e) {
      throw failed("insert jobs in the caller's transaction", e);
    }
  }

  private List<Enqueued> insert(Connection c, JobInsertManyParams params) throws SQLException {
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
    lowest.forEach(hints::lower);
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
      return insertWithDependencies(c, jobs, params.now());
    }
    int n = jobs.size();
    if (n == 1) {
      return List.of(insertOne(c, jobs.get(0), params.now()));
    }
    if (differOnlyInArgs(jobs)) {
      return insertAlike(c, jobs, params.now());
    }
    try (PreparedStatement ps = planEachTime(c, "JobInsertMany")) {
      Binder b = sql.query("JobInsertMany").bind(ps);
      setTimestamp(b, "now", params.now());
      bindColumns(c, b, jobs);
      b.setString("channel", channel);
      List<Enqueued> result = new ArrayList<>(n);
      try (ResultSet rs = ps.executeQuery()) {
        while (rs.next()) {
          result.add(new Enqueued(rs.getLong(1), JobColumns.state(rs.getString(2)), false));
        }
      }
      if (result.size() != n) {
        throw new StoreException("inserted " + result.size() + " jobs of " + n);
      }
      return result;
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
    JobState state = first.scheduledAt().isAfter(now) ? JobState.SCHEDULED : JobState.AVAILABLE;
    String[] args = new String[jobs.size()];
    for (int i = 0; i < args.length; i++) {
      args[i] = jobs.get(i).argsJson();
    }
    try (PreparedStatement ps = planEachTime(c, "JobInsertManyAlike")) {
      Binder b = sql.query("JobInsertManyAlike").bind(ps);
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
          .setString("channel", channel)
          .setBoolean("notify", state == JobState.AVAILABLE);
      setTimestamp(b, "now", now);
      setTimestamp(b, "scheduledAt", first.scheduledAt());
      List<Enqueued> result = new ArrayList<>(args.length);
      try (ResultSet rs = ps.executeQuery()) {
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

  /**
   * Binds the eight column arrays that JobInsertMany, JobInsertUnique and JobInsertWithDependencies
   * share, by name ({@code :queues, :kinds, :args, :priorities, :maxAttempts, :scheduledAt, :tags,
   * :metadata}).
   */
  private static void bindColumns(Connection c, Binder b, List<NewJob> jobs) throws SQLException {
    int n = jobs.size();
    String[] queues = new String[n];
    String[] kinds = new String[n];
    String[] args = new String[n];
    Short[] priorities = new Short[n];
    Short[] maxAttempts = new Short[n];
    String[] scheduledAt = new String[n];
    String[] tags = new String[n];
    String[] metadata = new String[n];
    for (int i = 0; i < n; i++) {
      NewJob job = jobs.get(i);
      queues[i] = job.queue();
      kinds[i] = job.kind();
      args[i] = job.argsJson();
      priorities[i] = (short) job.priority();
      maxAttempts[i] = (short) job.maxAttempts();
      scheduledAt[i] = job.scheduledAt().toString();
      tags[i] = job.tags().isEmpty() ? "[]" : JobColumns.json(job.tags());
      metadata[i] = job.metadata().isEmpty() ? "{}" : JobColumns.json(job.metadata());
    }
    b.setArray("queues", c.createArrayOf("text", queues))
        .setArray("kinds", c.createArrayOf("text", kinds))
        .setArray("args", c.createArrayOf("text", args))
        .setArray("priorities", c.createArrayOf("int2", priorities))
        .setArray("maxAttempts", c.createArrayOf("int2", maxAttempts))
        .setArray("scheduledAt", c.createArrayOf("text", scheduledAt))
        .setArray("tags", c.createArrayOf("text", tags))
        .setArray("metadata", c.createArrayOf("text", metadata));
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
    try (PreparedStatement ps = planEachTime(c, "JobInsertUnique")) {
      Binder b = sql.query("JobInsertUnique").bind(ps);
      bindColumns(c, b, batch);
      b.setArray("uniqueKeys", c.createArrayOf("text", uniqueKeys))
          .setArray("uniqueStates", c.createArrayOf("int2", uniqueStates))
          .setString("channel", channel);
      setTimestamp(b, "now", now);
      try (ResultSet rs = ps.executeQuery()) {
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
    try (PreparedStatement ps = c.prepareStatement(sql.get("JobUniqueHolders"))) {
      String[] keys = indexes.stream().map(i -> jobs.get(i).uniqueKey()).toArray(String[]::new);
      sql.query("JobUniqueHolders").bind(ps).setArray("keys", c.createArrayOf("text", keys));
      try (ResultSet rs = ps.executeQuery()) {
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
    Enqueued enqueued;
    try (Connection c = dataSource.getConnection()) {
      enqueued = insertOne(c, job, now, notifyNow);
    } catch (SQLException e) {
      throw failed("insert jobs", e);
    }
    if (!notifyNow && enqueued.state() == JobState.AVAILABLE) {
      debouncer.committedQuietly(job.queue());
    }
    lowerHints(List.of(job), List.of(enqueued));
    return enqueued;
  }

  private Enqueued insertOne(Connection c, NewJob job, Instant now) throws SQLException {
    return insertOne(c, job, now, true);
  }

  private Enqueued insertOne(Connection c, NewJob job, Instant now, boolean notify)
      throws SQLException {
    try (PreparedStatement ps = c.prepareStatement(sql.get("JobInsertOne"))) {
      Binder b = sql.query("JobInsertOne").bind(ps);
      setTimestamp(b, "scheduledAt", job.scheduledAt());
      setTimestamp(b, "now", now);
      b.setString("queue", job.queue())
          .setString("kind", job.kind())
          .setString("args", job.argsJson())
          .setShort("priority", (short) job.priority())
          .setShort("maxAttempts", (short) job.maxAttempts())
          .setArray("tags", c.createArrayOf("text", job.tags().toArray(String[]::new)))
          .setString("metadata", job.metadata().isEmpty() ? "{}" : JobColumns.json(job.metadata()))
          .setString("channel", channel)
          .setBoolean("notify", notify);
      try (ResultSet rs = ps.executeQuery()) {
        if (!rs.next()) {
          throw new StoreException("inserting a job returned no id");
        }
        return new Enqueued(rs.getLong(1), JobColumns.state(rs.getString(2)), false);
      }
    }
  }

  @Override
  public List<JobInfo> jobFetch(JobFetchParams params) {
    FetchHints.Start start = hints.start(params.queue(), params.kinds());
    long began = System.nanoTime();
    try (Connection c = dataSource.getConnection();
        PreparedStatement ps = planEachTime(c, "JobFetch")) {
      FetchHints.Key ahead = start.aheadOrHead();
      FetchHints.Key key = start.key();
      Binder b = sql.query("JobFetch").bind(ps);
      setTimestamp(b, "now", params.now());
      b.setString("owner", params.owner())
          .setString("queue", params.queue())
          .setArray("kinds", c.createArrayOf("text", params.kinds().toArray()))
          .setShort("aheadPriority", (short) ahead.priority())
          .setLong("aheadId", ahead.id())
          .setShort("aheadEndsBeforePriority", (short) start.aheadEndsBeforePriority())
          .setShort("keyPriority", (short) key.priority())
          .setLong("keyId", key.id())
          .setInt("limit", params.limit());
      setTimestamp(b, "leaseExpiresAt", params.leaseExpiresAt());
      setTimestamp(b, "aheadScheduledAt", ahead.scheduledAt());
      setTimestamp(b, "keyScheduledAt", key.scheduledAt());
      List<JobInfo> jobs = new ArrayList<>();
      try (ResultSet rs = ps.executeQuery()) {
        while (rs.next()) {
          jobs.add(JobRows.readClaimed(rs, params));
        }
      }
      // RETURNING follows no order; the contract promises fetch order.
      jobs.sort(FETCH_ORDER);
      hints.claimed(
          params.queue(),
          params.kinds(),
          start,
          jobs,
          params.limit(),
          Duration.ofNanos(System.nanoTime() - began));
      return jobs;
    } catch (SQLException e) {
      throw failed("fetch jobs of queue '" + params.queue() + "'", e);
    }
  }

  @Override
  public JobFinishManyResult jobFinishMany(JobFinishManyParams params) {
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
      Map<String, Object> row = new HashMap<>();
      row.put("attempt", r.ref().attempt());
      row.put("attemptDelta", 0);
      String at = r.at().toString();
      switch (r) {
        case JobFinish.Completed x -> {
          row.put("state", "completed");
          row.put("finalizedAt", at);
          if (!x.followUps().isEmpty()) {
            followUps.put(x.ref().id(), x);
          }
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
          row.put("state", sn.runAt().isAfter(sn.at()) ? "scheduled" : "available");
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
      byId.put(Long.toString(r.ref().id()), row);
    }
    Set<Long> applied = new HashSet<>();
    Set<String> woken = new LinkedHashSet<>();
    Map<Long, String> ended = new LinkedHashMap<>();
    Instant latest = results.stream().map(JobFinish::at).max(Comparator.naturalOrder()).get();
    // Follow-up jobs must commit together with their parent's completion.
    boolean transaction = inTransaction || !followUps.isEmpty();
    try (Connection c = dataSource.getConnection()) {
      if (transaction) {
        c.setAutoCommit(false);
      }
      try {
        try (PreparedStatement ps = planEachTime(c, "JobFinishMany")) {
          sql.query("JobFinishMany")
              .bind(ps)
              .setString("results", JobColumns.json(byId))
              .setArray("ids", c.createArrayOf("int8", ids))
              .setBoolean("inTransaction", transaction);
          try (ResultSet rs = ps.executeQuery()) {
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
        List<NewJob> toInsert = new ArrayList<>();
        Instant insertedAt = null;
        for (JobFinish.Completed completed : followUps.values()) {
          if (applied.contains(completed.ref().id())) {
            toInsert.addAll(completed.followUps());
            insertedAt =
                insertedAt == null || completed.at().isAfter(insertedAt)
                    ? completed.at()
                    : insertedAt;
          }
        }
        if (!toInsert.isEmpty()) {
          insert(c, new JobInsertManyParams(toInsert, insertedAt));
        }
        resolveDependents(c, ended, latest, woken);
        notify(c, woken);
        if (transaction) {
          c.commit();
        }
      } catch (SQLException | RuntimeException e) {
        if (transaction) {
          c.rollback();
        }
        throw e;
      } finally {
        if (transaction) {
          c.setAutoCommit(true);
        }
      }
    } catch (SQLException e) {
      throw failed("record " + n + " job results", e);
    }
    return withLeftOut(results, applied, transaction);
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
    try (Connection c = dataSource.getConnection();
        PreparedStatement ps = planEachTime(c, "JobCompleteMany")) {
      sql.query("JobCompleteMany")
          .bind(ps)
          .setString("held", held.toString())
          .setArray("ids", c.createArrayOf("int8", ids));
      try (ResultSet rs = ps.executeQuery()) {
        while (rs.next()) {
          applied.add(rs.getLong(1));
        }
      }
    } catch (SQLException e) {
      throw failed("record " + n + " completions", e);
    }
    return withLeftOut(completions, applied, false);
  }

  @Override
  public JobHeartbeatResult jobHeartbeat(JobHeartbeatParams params) {
    if (params.jobs().isEmpty()) {
      return new JobHeartbeatResult(Set.of());
    }
    int n = params.jobs().size();
    Long[] ids = new Long[n];
    // Keyed by job id, as JobHeartbeat looks each up: the attempt whose lease is renewed.
    Map<String, Integer> held = new LinkedHashMap<>();
    for (int i = 0; i < n; i++) {
      JobRef ref = params.jobs().get(i);
      ids[i] = ref.id();
      held.put(Long.toString(ref.id()), ref.attempt());
    }
    Set<Long> lost = new HashSet<>(List.of(ids));
    try (Connection c = dataSource.getConnection();
        PreparedStatement ps = planEachTime(c, "JobHeartbeat")) {
      Binder b = sql.query("JobHeartbeat").bind(ps);
      setTimestamp(b, "leaseExpiresAt", params.leaseExpiresAt());
      b.setString("held", JobColumns.json(held))
          .setArray("ids", c.createArrayOf("int8", ids))
          .setString("owner", params.owner());
      try (ResultSet rs = ps.executeQuery()) {
        while (rs.next()) {
          lost.remove(rs.getLong(1));
        }
      }
    } catch (SQLException e) {
      throw failed("renew " + n + " leases", e);
    }
    return new JobHeartbeatResult(lost);
  }

  @Override
  public JobRescueResult jobRescueExpired(JobRescueParams params) {
    List<Long> retryable = new ArrayList<>();
    List<Long> discarded = new ArrayList<>();
    Instant start = rescueWatermark.start(params.now());
    try (Connection c = dataSource.getConnection()) {
      inTransaction(
          c,
          () -> {
            Map<Long, String> ended = new LinkedHashMap<>();
            try (PreparedStatement ps = planEachTime(c, "JobRescueExpired")) {
              String now = params.now().toString();
              Binder b = sql.query("JobRescueExpired").bind(ps);
              setTimestamp(b, "now", now);
              setTimestamp(b, "watermark", start);
              b.setInt("limit", params.limit());
              try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                  boolean isDiscarded = rs.getString(2).equals("discarded");
                  (isDiscarded ? discarded : retryable).add(rs.getLong(1));
                  if (isDiscarded && rs.getBoolean(3)) {
                    ended.put(rs.getLong(1), "discarded");
                  }
                }
              }
            }
            Set<String> woken = new LinkedHashSet<>();
            resolveDependents(c, ended, params.now(), woken);
            notify(c, woken);
            return null;
          });
    } catch (SQLException e) {
      throw failed("rescue expired leases", e);
    }
    rescueWatermark.passed(
        start, params.now(), retryable.size() + discarded.size(), params.limit());
    return new JobRescueResult(retryable, discarded);
  }

  @Override
  public JobStageResult jobStage(JobStageParams params) {
    Map<String, Integer> staged = new HashMap<>();
    try (Connection c = dataSource.getConnection();
        PreparedStatement ps = planEachTime(c, "JobStage")) {
      Binder b = sql.query("JobStage").bind(ps);
      setTimestamp(b, "now", params.now());
      b.setInt("limit", params.limit()).setString("channel", channel);
      try (ResultSet rs = ps.executeQuery()) {
        while (rs.next()) {
          staged.put(rs.getString(1), rs.getInt(2));
        }
      }
    } catch (SQLException e) {
      throw failed("stage due jobs", e);
    }
    // Staged jobs keep their run time, which lies before the jobs enqueued since.
    hints.reset(staged.keySet());
    return new JobStageResult(staged);
  }

  @Override
  public int jobPrune(JobPruneParams params) {
    try (Connection c = dataSource.getConnection()) {
      c.setAutoCommit(false);
      try {
        int deleted = 0;
        // One node prunes at a time: the others skip their turn instead of competing for rows.
        if (tryLock(c, "errand.prune." + schema)) {
          try (PreparedStatement ps = planEachTime(c, "JobPrune")) {
            Binder b = sql.query("JobPrune").bind(ps);
            setTimestamp(b, "completedBefore", params.completedBefore());
            setTimestamp(b, "discardedBefore", params.discardedBefore());
            setTimestamp(b, "cancelledBefore", params.cancelledBefore());
            b.setInt("limit", params.limit());
            deleted = ps.executeUpdate();
          }
        }
        c.commit();
        c.setAutoCommit(true);
        if (deleted < params.limit()) {
          vacuumIfNeeded(c);
        }
        return deleted;
      } catch (SQLException e) {
        c.rollback();
        throw e;
      } finally {
        c.setAutoCommit(true);
      }
    } catch (SQLException e) {
      throw failed("prune finished jobs", e);
    }
  }

  /**
   * After a prune round (on the maintenance leader), vacuums the job tables if autovacuum is off
   * for them, at most once per {@link Builder#vacuumInterval}: a job queue rewrites its rows all
   * the time, and without vacuum the claim gets slower with every job ever claimed. With autovacuum
   * on it does nothing.
   */
  private synchronized void vacuumIfNeeded(Connection c) {
    long now = System.nanoTime();
    if (vacuumRefused || now - lastVacuumNanos < vacuumInterval.toNanos()) {
      return;
    }
    lastVacuumNanos = now;
    try (Statement st = c.createStatement()) {
      try (ResultSet rs = st.executeQuery(sql.get("AutovacuumOff"))) {
        if (!rs.next() || !rs.getBoolean(1)) {
          return;
        }
      }
      if (!vacuumNoted) {
        vacuumNoted = true;
        log.info(
            "autovacuum is off for {}.job; Errand's maintenance leader vacuums its tables after"
                + " each prune round, at most every {}",
            schema,
            vacuumInterval);
      }
      st.execute(sql.get("Vacuum"));
    } catch (SQLException e) {
      vacuumRefused = true;
      log.warn(
          "could not vacuum {}.job ({}); vacuum it by other means, or its claims will slow down",
          schema,
          e.getMessage());
    }
  }

  private boolean tryLock(Connection c, String key) throws SQLException {
    try (PreparedStatement ps = c.prepareStatement(sql.get("TryTransactionLock"))) {
      sql.query("TryTransactionLock").bind(ps).setString("key", key);
      try (ResultSet rs = ps.executeQuery()) {
        return rs.next() && rs.getBoolean(1);
      }
    }
  }

  @Override
  public Optional<JobInfo> jobGet(long id) {
    return jdbc.run(
        "get job " + id,
        c -> {
          try (PreparedStatement ps = c.prepareStatement(sql.get("JobGet"))) {
            sql.query("JobGet").bind(ps).setLong("id", id);
            return readOne(ps);
          }
        });
  }

  @Override
  public List<JobInfo> jobList(JobQuery query) {
    try (Connection c = dataSource.getConnection();
        PreparedStatement ps = c.prepareStatement(sql.get("JobList"))) {
      String[] states = query.states().stream().map(JobColumns::stateName).toArray(String[]::new);
      sql.query("JobList")
          .bind(ps)
          .setLong("afterId", query.afterId())
          .setArray("states", c.createArrayOf("text", states))
          .setNullableString("queue", query.queue())
          .setNullableString("kind", query.kind())
          .setInt("limit", query.limit());
      List<JobInfo> jobs = new ArrayList<>();
      try (ResultSet rs = ps.executeQuery()) {
        while (rs.next()) {
          jobs.add(JobRows.read(rs));
        }
      }
      return jobs;
    } catch (SQLException e) {
      throw failed("list jobs", e);
    }
  }

  @Override
  public Optional<JobInfo> jobCancel(JobCancelParams params) {
    try (Connection c = dataSource.getConnection()) {
      Optional<JobInfo> cancelled =
          inTransaction(
              c,
              () -> {
                boolean hasDependents = false;
                Optional<JobInfo> job = Optional.empty();
                try (PreparedStatement ps = c.prepareStatement(sql.get("JobCancel"))) {
                  String now = params.now().toString();
                  Binder b = sql.query("JobCancel").bind(ps);
                  setTimestamp(b, "now", now);
                  b.setString("reason", params.reason()).setLong("id", params.id());
                  try (ResultSet rs = ps.executeQuery()) {
                    if (rs.next()) {
                      job = Optional.of(JobRows.read(rs));
                      hasDependents = rs.getBoolean("has_dependents");
                    }
                  }
                }
                if (hasDependents) {
                  Set<String> woken = new LinkedHashSet<>();
                  resolveDependents(
                      c,
                      new LinkedHashMap<>(Map.of(params.id(), "cancelled")),
                      params.now(),
                      woken);
                  notify(c, woken);
                }
                return job;
              });
      return cancelled.isPresent() ? cancelled : jobGet(params.id());
    } catch (SQLException e) {
      throw failed("cancel job " + params.id(), e);
    }
  }

  @Override
  public Optional<JobInfo> jobRetry(JobRetryParams params) {
    try (Connection c = dataSource.getConnection()) {
      Optional<JobInfo> retried;
      try (PreparedStatement ps = c.prepareStatement(sql.get("JobRetry"))) {
        Binder b = sql.query("JobRetry").bind(ps);
        setTimestamp(b, "now", params.now());
        b.setLong("id", params.id());
        retried = readOne(ps);
      } catch (SQLException e) {
        if (UNIQUE_VIOLATION.equals(e.getSQLState())) {
          throw new DuplicateJobException(params.id(), uniqueHolderOf(c, params.id()));
        }
        throw e;
      }
      if (retried.isEmpty()) {
        return jobGet(params.id());
      }
      notify(c, Set.of(retried.get().queue()));
      return retried;
    } catch (SQLException e) {
      throw failed("retry job " + params.id(), e);
    }
  }

  private long uniqueHolderOf(Connection c, long id) throws SQLException {
    try (PreparedStatement ps = c.prepareStatement(sql.get("JobUniqueHolderOf"))) {
      sql.query("JobUniqueHolderOf").bind(ps).setLong("id", id);
      try (ResultSet rs = ps.executeQuery()) {
        if (!rs.next()) {
          throw new StoreException("retry of job " + id + " conflicted on a key nobody holds now");
        }
        return rs.getLong(1);
      }
    }
  }

  @Override
  public boolean jobDelete(JobDeleteParams params) {
    try (Connection c = dataSource.getConnection()) {
      return inTransaction(
          c,
          () -> {
            boolean hasDependents;
            try (PreparedStatement ps = c.prepareStatement(sql.get("JobDelete"))) {
              sql.query("JobDelete").bind(ps).setLong("id", params.id());
              try (ResultSet rs = ps.executeQuery()) {
                if (!rs.next()) {
                  return false;
                }
                hasDependents = rs.getBoolean(1);
              }
            }
            if (hasDependents) {
              // A job deleted before it ended never completes: its dependents count it cancelled.
              Set<String> woken = new LinkedHashSet<>();
              resolveDependents(
                  c, new LinkedHashMap<>(Map.of(params.id(), "cancelled")), params.now(), woken);
              notify(c, woken);
            }
            return true;
          });
    } catch (SQLException e) {
      throw failed("delete job " + params.id(), e);
    }
  }

  @Override
  public void queuePause(String queue) {
    execute("pause queue '" + queue + "'", "QueuePause", "name", queue);
  }

  @Override
  public void queueResume(String queue) {
    execute("resume queue '" + queue + "'", "QueueResume", "name", queue);
    jdbc.run(
        "wake queue '" + queue + "'",
        c -> {
          notify(c, Set.of(queue));
          return null;
        });
  }

  @Override
  public List<QueueInfo> queueList() {
    Map<String, Map<JobState, Long>> counts = new TreeMap<>();
    Set<String> paused = new HashSet<>();
    jdbc.run(
        "count queues",
        c -> {
          try (PreparedStatement ps = c.prepareStatement(sql.get("QueueCounts"));
              ResultSet rs = ps.executeQuery()) {
            while (rs.next()) {
              counts
                  .computeIfAbsent(rs.getString(1), q -> new EnumMap<>(JobState.class))
                  .put(JobColumns.state(rs.getString(2)), rs.getLong(3));
            }
          }
          try (PreparedStatement ps = c.prepareStatement(sql.get("QueuePaused"));
              ResultSet rs = ps.executeQuery()) {
            while (rs.next()) {
              paused.add(rs.getString(1));
              counts.computeIfAbsent(rs.getString(1), q -> new EnumMap<>(JobState.class));
            }
          }
          return null;
        });
    List<QueueInfo> queues = new ArrayList<>(counts.size());
    counts.forEach(
        (name, byState) -> queues.add(new QueueInfo(name, paused.contains(name), byState)));
    return queues;
  }

  @Override
  public boolean leaderElect(LeaderElectParams params) {
    return jdbc.run(
        "elect a leader for '" + params.name() + "'",
        c -> {
          try (PreparedStatement ps = c.prepareStatement(sql.get("LeaderElect"))) {
            Binder b = sql.query("LeaderElect").bind(ps);
            b.setString("name", params.name()).setString("owner", params.owner());
            setTimestamp(b, "now", params.now());
            setTimestamp(b, "expiresAt", params.expiresAt());
            try (ResultSet rs = ps.executeQuery()) {
              return rs.next();
            }
          }
        });
  }

  @Override
  public void leaderResign(LeaderResignParams params) {
    jdbc.run(
        "resign leadership of '" + params.name() + "'",
        c -> {
          try (PreparedStatement ps = c.prepareStatement(sql.get("LeaderResign"))) {
            sql.query("LeaderResign")
                .bind(ps)
                .setString("name", params.name())
                .setString("owner", params.owner());
            return ps.executeUpdate();
          }
        });
  }

  @Override
  public void nodeReport(NodeReportParams params) {
    jdbc.run(
        "record the report of node " + params.nodeId(),
        c -> {
          try (PreparedStatement ps = c.prepareStatement(sql.get("NodeReport"))) {
            Binder b = sql.query("NodeReport").bind(ps);
            b.setString("id", params.nodeId())
                .setString("queues", NodeColumns.queuesJson(params.queues()))
                .setString("kinds", NodeColumns.kindsJson(params.kinds()));
            setTimestamp(b, "startedAt", params.startedAt());
            setTimestamp(b, "now", params.now());
            setTimestamp(b, "expiresAt", params.expiresAt());
            return ps.executeUpdate();
          }
        });
  }

  @Override
  public void nodeRemove(NodeRemoveParams params) {
    execute("remove node " + params.nodeId(), "NodeRemove", "id", params.nodeId());
  }

  @Override
  public List<NodeInfo> nodeList(NodeListParams params) {
    return jdbc.run(
        "list nodes",
        c -> {
          try (PreparedStatement ps = c.prepareStatement(sql.get("NodeList"))) {
            setTimestamp(sql.query("NodeList").bind(ps), "now", params.now());
            List<NodeInfo> nodes = new ArrayList<>();
            try (ResultSet rs = ps.executeQuery()) {
              while (rs.next()) {
                nodes.add(
                    new NodeInfo(
                        rs.getString(1),
                        NodeColumns.queues(rs.getString(2)),
                        NodeColumns.kinds(rs.getString(3)),
                        rs.getObject(4, OffsetDateTime.class).toInstant(),
                        rs.getObject(5, OffsetDateTime.class).toInstant(),
                        rs.getObject(6, OffsetDateTime.class).toInstant()));
              }
            }
            return nodes;
          }
        });
  }

  @Override
  public int nodePrune(NodePruneParams params) {
    return jdbc.run(
        "prune expired nodes",
        c -> {
          try (PreparedStatement ps = c.prepareStatement(sql.get("NodePrune"))) {
            setTimestamp(sql.query("NodePrune").bind(ps), "now", params.now());
            return ps.executeUpdate();
          }
        });
  }

  @Override
  public void close() {
    debouncer.close();
    if (notifier != null) {
      notifier.close();
    }
  }

  /**
   * Prepares a batch statement that PostgreSQL plans anew at every run. pgjdbc otherwise switches
   * to a server-prepared statement after a few runs, whose generic plan, made while the table was
   * small or its statistics stale, can stay wrong as the table grows: a sequential scan where a
   * primary-key or partial-index lookup was needed (seen: 29 s for one batch of 2,000 results
   * against 30,000 running jobs). Planning costs a fraction of a millisecond; a batch amortizes it.
   */
  private PreparedStatement planEachTime(Connection c, String name) throws SQLException {
    PreparedStatement ps = c.prepareStatement(sql.get(name));
    ps.unwrap(PGStatement.class).setPrepareThreshold(0);
    return ps;
  }

  /**
   * The debouncer's trailing notification for single enqueues made here, on a connection of its
   * own. It only wakes the nodes: these jobs already moved this store's fetch hints back to them,
   * and starting the next claims from the head for them (as {@link #notify} does) made a steady
   * stream of enqueues during a backlog cost a walk over the backlog's dead entries per window.
   */
  private void announceEnqueued(Collection<String> queues) throws SQLException {
    try (Connection c = dataSource.getConnection()) {
      sendNotify(c, queues);
    }
  }

  /**
   * Wakes the nodes working {@code queues}, whose jobs were made available by something other than
   * an insert (a retry, a finished dependency, …): at keys this store does not track, so the next
   * claims here start from the head of the fetch index.
   */
  private void notify(Connection c, Collection<String> queues) throws SQLException {
    if (queues.isEmpty()) {
      return;
    }
    hints.reset(queues);
    sendNotify(c, queues);
  }

  /** Wakes the nodes working {@code queues}: one notification each. */
  private void sendNotify(Connection c, Collection<String> queues) throws SQLException {
    if (queues.isEmpty()) {
      return;
    }
    try (PreparedStatement ps = c.prepareStatement(sql.get("Notify"))) {
      sql.query("Notify")
          .bind(ps)
          .setString("channel", channel)
          .setArray("queues", c.createArrayOf("text", queues.toArray(String[]::new)));
      ps.executeQuery().close();
    }
  }

  /** Runs statement {@code name}, binding {@code value} as its one text parameter {@code param}. */
  private void execute(String what, String name, String param, String value) {
    jdbc.run(
        what,
        c -> {
          try (PreparedStatement ps = c.prepareStatement(sql.get(name))) {
            sql.query(name).bind(ps).setString(param, value);
            return ps.executeUpdate();
          }
        });
  }

  private static Optional<JobInfo> readOne(PreparedStatement ps) throws SQLException {
    try (ResultSet rs = ps.executeQuery()) {
      return rs.next() ? Optional.of(JobRows.read(rs)) : Optional.empty();
    }
  }

  /**
   * Binds an instant (or its ISO-8601 text) to a {@code :name::timestamptz} parameter, its type
   * left for the server to infer from the cast. Bound as text, the parameter was a varchar, and
   * varchar to timestamptz is a stable conversion that PostgreSQL does not fold: it parsed the text
   * again for every row the statement wrote (the claim's lease times, the bulk insert's run time).
   * Inferred, the text is parsed once, when the statement is bound.
   */
  private static void setTimestamp(Binder b, String name, Object instant) throws SQLException {
    b.setObject(name, timestampText(instant), Types.OTHER);
  }

  /**
   * A time as PostgreSQL reads it; {@link Instant#MIN}, where a walk starts from the head of an
   * index ({@link FetchHints#HEAD}, {@link RescueWatermark#FROM_THE_START}), as {@code -infinity}.
   */
  private static String timestampText(Object instant) {
    return Instant.MIN.equals(instant) ? "-infinity" : instant.toString();
  }

  private StoreException failed(String what, SQLException e) {
    return jdbc.failed(what, e);
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
