package dev.errand;

import dev.errand.internal.engine.Engine;
import dev.errand.internal.engine.JobEncoder;
import dev.errand.spi.Capability;
import dev.errand.spi.JobInsertBatchParams;
import dev.errand.spi.JobInsertManyParams;
import dev.errand.spi.NewJob;
import dev.errand.spi.NodeListParams;
import java.sql.Connection;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Objects;

/**
 * The entry point: enqueues jobs, and, once {@link #start() started}, works the queues of its
 * {@link Config}. Thread-safe. One per application and store is the norm.
 *
 * <p>The store is the caller's: whoever opened it closes it, after the {@code Errand} (as a
 * connection pool is closed by whoever created it, not by each user of it). {@link #close()} stops
 * the engine and leaves the store open, so it can serve another {@code Errand}, migrations or
 * tests; a store left open holds its resources (a SQLite store keeps its file locked). Closing both
 * in one try-with-resources does it in the right order:
 *
 * <pre>{@code
 * try (SqliteStore store = SqliteStore.builder(Path.of("errand.db")).build();
 *     Errand errand = Errand.create(Config.builder(store).worker(new SignInEmailWorker()).build())) {
 *   store.migrate();
 *   errand.start();
 *   errand.enqueue(new SignInEmail("ada@example.com", token));
 * } // closes the Errand, then the store
 * }</pre>
 *
 * <p>The enqueue verbs, each all-or-none in one store call:
 *
 * <ul>
 *   <li>{@link #enqueue(JobArgs, EnqueueOptions) enqueue}: one job;
 *   <li>{@link #enqueueAll(Collection, EnqueueOptions) enqueueAll}: many jobs with the same options
 *       (an import's items);
 *   <li>{@link #enqueueMany(List) enqueueMany}: many jobs, each with its own options ({@link
 *       EnqueueRequest}).
 * </ul>
 *
 * Each comes without options (the defaults) where that makes sense, and each has a twin that takes
 * a {@link Connection} first and joins the caller's open transaction. A {@link Job} enqueues its
 * follow-ups with the same verbs ({@link Enqueuer}); {@link #batch()} adds a callback that runs
 * once all of a batch's jobs have finished.
 *
 * <p>Enqueue works before {@code start()} and without queues (an insert-only client). Secondary
 * operations live in {@link #jobs()} and {@link #queues()}.
 */
public final class Errand implements AutoCloseable, Enqueuer {

  private enum Lifecycle {
    NEW,
    STARTED,
    STOPPED
  }

  private final Config config;
  private final Engine engine;

  /** Works the store this node drains ({@link Config#drainFrom()}); null when it drains none. */
  private final Engine drainer;

  private final Config drainConfig;
  private final JobEncoder encoder;
  private final Jobs jobs;
  private final Queues queues;
  private final Leases leases;
  private Lifecycle lifecycle = Lifecycle.NEW;

  private Errand(Config config) {
    this.config = config;
    this.encoder = new JobEncoder(config);
    this.engine = new Engine(config, this, encoder);
    this.drainConfig = config.drainConfig().orElse(null);
    // Its workers' own enqueues go through this Errand, to the new store.
    this.drainer =
        drainConfig == null ? null : new Engine(drainConfig, this, new JobEncoder(drainConfig));
    this.jobs = new Jobs(config, engine);
    this.queues = new Queues(config);
    this.leases = new Leases(config);
  }

  /** An Errand on {@code config}; call {@link #start()} to work its queues. */
  public static Errand create(Config config) {
    return new Errand(Objects.requireNonNull(config, "config"));
  }

  /**
   * Starts working the configured queues and the background services (staging, rescue, pruning).
   *
   * @return this
   * @throws IllegalStateException if already started or stopped
   */
  public synchronized Errand start() {
    if (lifecycle != Lifecycle.NEW) {
      throw new IllegalStateException(
          "errand is " + lifecycle.name().toLowerCase() + "; start it once");
    }
    lifecycle = Lifecycle.STARTED;
    engine.start();
    if (drainer != null) {
      drainer.start();
    }
    return this;
  }

  /**
   * Stops: fetches no more jobs, lets running ones finish for up to {@code drain}, then interrupts
   * the rest and makes them available again, so that no job is lost. Idempotent.
   */
  public synchronized void stop(Duration drain) {
    if (lifecycle == Lifecycle.STARTED) {
      if (drainer != null) {
        drainer.stop(drain);
      }
      engine.stop(drain);
    }
    lifecycle = Lifecycle.STOPPED;
  }

  /**
   * {@link #stop(Duration)} with the configured {@link Config#shutdownTimeout()}. Does not close
   * the {@link Config#store() store}, which belongs to whoever created it: close it after this.
   */
  @Override
  public void close() {
    stop(config.shutdownTimeout());
  }

  /**
   * Whether the store this node drains ({@link Config.Builder#drainFrom}) holds no job that has yet
   * to end: none pending, scheduled, available, running or retryable. One store read; false while
   * jobs remain, and always true on a node that drains no store.
   */
  public boolean isDrained() {
    if (drainConfig == null) {
      return true;
    }
    for (QueueInfo queue : drainConfig.store().queueList()) {
      for (JobState state : JobState.values()) {
        if (!state.isFinal() && queue.count(state) > 0) {
          return false;
        }
      }
    }
    return true;
  }

  /** The configuration this runs on. */
  public Config config() {
    return config;
  }

  /**
   * Whether this node is the maintenance leader now: the one node that rescues expired leases and
   * prunes old jobs. Only started nodes lead, with or without queues.
   */
  public boolean isLeader() {
    return engine.isLeader();
  }

  /**
   * The periodic jobs of this node's config with their next slots, by the config's clock. The
   * maintenance leader enqueues them; on a node that does not lead, this still shows the schedule.
   */
  public List<PeriodicJobInfo> cron() {
    Instant now = config.clock().instant();
    return config.periodicJobs().stream().map(p -> p.info(now)).toList();
  }

  /**
   * The live nodes on this node's store, in id order, each as it last reported itself: the queues
   * it works with their concurrency, the kinds it has workers for, when it started. Every started
   * node reports every {@link Config#nodeReportInterval()} and removes itself when it stops; one
   * that stops reporting (it died) drops out after {@link Config#nodeExpiry()}, by the config's
   * clock. This node is listed from its first report, shortly after {@link #start()}. Thread-safe;
   * one store read per call.
   *
   * @throws UnsupportedOperationException if the store keeps no registry ({@link
   *     Capability#NODE_REGISTRY})
   * @throws StoreException if the store failed
   */
  public List<NodeInfo> nodes() {
    if (!config.store().capabilities().contains(Capability.NODE_REGISTRY)) {
      throw new UnsupportedOperationException(
          config.store().getClass().getSimpleName()
              + " keeps no node registry (Capability.NODE_REGISTRY), so no list of nodes");
    }
    return config.store().nodeList(new NodeListParams(now()));
  }

  /** Reading and managing single jobs. */
  public Jobs jobs() {
    return jobs;
  }

  /** Pausing, resuming and counting queues. */
  public Queues queues() {
    return queues;
  }

  /** Fetching and finishing jobs on behalf of workers outside this process. */
  public Leases leases() {
    return leases;
  }

  /**
   * A batch: jobs with a callback that runs once all of them have finished. Needs a store with
   * {@link Capability#DEPENDENCIES}.
   */
  public Batch batch() {
    return new Batch(this);
  }

  /**
   * Enqueues a job with default options: queue {@code default}, priority 0, run now.
   *
   * @throws JobArgsException if the args cannot be written as JSON or are too large
   * @throws StoreException if the store failed; then nothing was stored
   */
  @Override
  public Enqueued enqueue(JobArgs args) {
    return enqueue(args, EnqueueOptions.defaults());
  }

  /**
   * Enqueues a job.
   *
   * @throws JobArgsException if the args cannot be written as JSON or are too large
   * @throws StoreException if the store failed; then nothing was stored
   */
  @Override
  public Enqueued enqueue(JobArgs args, EnqueueOptions options) {
    return insert(List.of(encoder.encode(args, options, now()))).get(0);
  }

  /** Enqueues many jobs with default options in one store call: all or none are stored. */
  @Override
  public List<Enqueued> enqueueAll(Collection<? extends JobArgs> args) {
    return enqueueAll(args, EnqueueOptions.defaults());
  }

  /**
   * Enqueues many jobs with the same options in one store call: all or none are stored.
   *
   * @return one entry per job, in order
   * @throws JobArgsException if any job's args cannot be written or are too large; then nothing was
   *     stored
   */
  @Override
  public List<Enqueued> enqueueAll(Collection<? extends JobArgs> args, EnqueueOptions options) {
    return insert(encodeAlike(args, options));
  }

  /**
   * Enqueues jobs that each have their own options in one store call: all or none are stored.
   *
   * @return one entry per job, in order
   * @throws JobArgsException if any job's args cannot be written or are too large; then nothing was
   *     stored
   */
  @Override
  public List<Enqueued> enqueueMany(List<EnqueueRequest> requests) {
    return insert(encodeEach(requests));
  }

  /**
   * Enqueues a job inside the caller's open transaction on {@code connection}: the job exists, and
   * workers are woken, only if the caller commits. Errand neither commits nor closes the
   * connection. Every enqueue shape has such a twin, taking the connection first.
   *
   * @throws UnsupportedOperationException if the store cannot join a transaction ({@link
   *     Capability#TX_ENQUEUE})
   */
  public Enqueued enqueue(Connection connection, JobArgs args) {
    return enqueue(connection, args, EnqueueOptions.defaults());
  }

  /** {@link #enqueue(JobArgs, EnqueueOptions)} inside the caller's transaction. */
  public Enqueued enqueue(Connection connection, JobArgs args, EnqueueOptions options) {
    return insertInTransaction(connection, List.of(encoder.encode(args, options, now()))).get(0);
  }

  /** {@link #enqueueAll(Collection)} inside the caller's transaction. */
  public List<Enqueued> enqueueAll(Connection connection, Collection<? extends JobArgs> args) {
    return enqueueAll(connection, args, EnqueueOptions.defaults());
  }

  /** {@link #enqueueAll(Collection, EnqueueOptions)} inside the caller's transaction. */
  public List<Enqueued> enqueueAll(
      Connection connection, Collection<? extends JobArgs> args, EnqueueOptions options) {
    return insertInTransaction(connection, encodeAlike(args, options));
  }

  /** {@link #enqueueMany(List)} inside the caller's transaction. */
  public List<Enqueued> enqueueMany(Connection connection, List<EnqueueRequest> requests) {
    return insertInTransaction(connection, encodeEach(requests));
  }

  private List<NewJob> encodeAlike(Collection<? extends JobArgs> args, EnqueueOptions options) {
    Instant now = now();
    List<NewJob> batch = new ArrayList<>(args.size());
    for (JobArgs a : args) {
      batch.add(encoder.encode(a, options, now));
    }
    return batch;
  }

  private List<NewJob> encodeEach(List<EnqueueRequest> requests) {
    Instant now = now();
    List<NewJob> batch = new ArrayList<>(requests.size());
    for (EnqueueRequest request : requests) {
      batch.add(encoder.encode(request.args(), request.options(), now));
    }
    return batch;
  }

  BatchEnqueued insertBatch(
      Connection connection,
      List<JobArgs> memberArgs,
      List<EnqueueOptions> memberOptions,
      JobArgs callbackArgs,
      EnqueueOptions callbackOptions) {
    requireDependencies("batches");
    Instant now = now();
    List<NewJob> members = new ArrayList<>(memberArgs.size());
    for (int i = 0; i < memberArgs.size(); i++) {
      members.add(encoder.encode(memberArgs.get(i), memberOptions.get(i), now));
    }
    // The callback says it is one, so that a batch can be found by it (the dashboard's batches).
    java.util.Map<String, String> callbackMetadata =
        new java.util.LinkedHashMap<>(callbackOptions.metadata());
    callbackMetadata.put(Batch.METADATA_KEY, Batch.CALLBACK);
    NewJob callback =
        encoder
            .encode(callbackArgs, callbackOptions.metadata(callbackMetadata), now)
            .withDependencies(List.of(), DependencyFailure.RUN);
    JobInsertBatchParams params = new JobInsertBatchParams(members, callback, now);
    List<NewJob> all = new ArrayList<>(members);
    all.add(callback);
    List<Enqueued> result;
    if (connection != null) {
      requireTransactions();
      result = config.store().jobInsertBatch(connection, params);
    } else {
      result = config.store().jobInsertBatch(params);
      engine.wakeAvailable(all, result);
    }
    engine.checkWorked(all, result);
    return new BatchEnqueued(result.subList(0, members.size()), result.get(result.size() - 1));
  }

  private void requireDependencies(String what) {
    if (!config.store().capabilities().contains(Capability.DEPENDENCIES)) {
      throw new UnsupportedOperationException(
          config.store().getClass().getSimpleName()
              + " has no job dependencies (Capability.DEPENDENCIES), so no "
              + what);
    }
  }

  private void requireTransactions() {
    if (!config.store().capabilities().contains(Capability.TX_ENQUEUE)) {
      throw new UnsupportedOperationException(
          config.store().getClass().getSimpleName()
              + " cannot enqueue inside a database transaction; use enqueue(args) instead");
    }
  }

  private List<Enqueued> insertInTransaction(Connection connection, List<NewJob> batch) {
    Objects.requireNonNull(connection, "connection");
    requireTransactions();
    // No local wake-up here: the jobs are invisible until the caller commits, and the store's
    // notification is delivered on commit.
    List<Enqueued> result =
        config.store().jobInsertMany(connection, new JobInsertManyParams(batch, now()));
    engine.checkWorked(batch, result);
    return result;
  }

  private List<Enqueued> insert(List<NewJob> batch) {
    if (batch.isEmpty()) {
      return List.of();
    }
    List<Enqueued> result =
        engine.enqueue(
            batch, () -> config.store().jobInsertMany(new JobInsertManyParams(batch, now())));
    engine.checkWorked(batch, result);
    return result;
  }

  private Instant now() {
    return config.clock().instant();
  }
}
