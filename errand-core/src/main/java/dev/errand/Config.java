package dev.errand;

import dev.errand.internal.engine.StoreAlignedClock;
import dev.errand.internal.engine.StoredText;
import dev.errand.spi.Capability;
import dev.errand.spi.Store;
import java.lang.management.ManagementFactory;
import java.lang.reflect.ParameterizedType;
import java.lang.reflect.Type;
import java.lang.reflect.TypeVariable;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.UUID;
import java.util.regex.Pattern;

/**
 * Everything an {@link Errand} needs, validated once by {@link Builder#build()} and immutable
 * afterwards. Each validation error names the field and its limit. A config without queues makes an
 * insert-only client (a web node that enqueues but does not work).
 *
 * <pre>{@code
 * Config config = Config.builder(store)
 *     .queue("default", 20)
 *     .queue(QueueConfig.of("reports", 2).onPlatformThreads())
 *     .worker(new SignInEmailWorker())       // kind and args type read from Worker<SignInEmail>
 *     .build();
 * }</pre>
 */
public final class Config {

  /** The queue jobs go to unless their enqueue names another. */
  public static final String DEFAULT_QUEUE = "default";

  /** Attempts a job gets unless its enqueue or worker says otherwise. */
  public static final int DEFAULT_MAX_ATTEMPTS = 25;

  /** The most attempts a job may be given. */
  public static final int MAX_ATTEMPTS_LIMIT = 1_000;

  /** How long a fetched job is leased before a heartbeat must renew it. */
  public static final Duration DEFAULT_LEASE_DURATION = Duration.ofSeconds(30);

  /** How often a producer fetches when no wake-up arrives. */
  public static final Duration DEFAULT_POLL_INTERVAL = Duration.ofSeconds(1);

  /**
   * How long a busy producer waits after a fetch before fetching for a few freed slots, so that
   * claims come in batches; an idle one fetches at once. 8 ms: on PostgreSQL a burn-down's claims
   * grew from about 110 to 180 jobs and its throughput by a fifth over 2 ms; 20 ms gained nothing
   * more. A job enqueued into a busy queue waits at most this much longer; pickup by idle workers
   * is unchanged.
   */
  public static final Duration DEFAULT_FETCH_COOLDOWN = Duration.ofMillis(8);

  /** How often scheduled and retryable jobs whose time has come are made available. */
  public static final Duration DEFAULT_STAGE_INTERVAL = Duration.ofMillis(500);

  /** How often expired leases are looked for. */
  public static final Duration DEFAULT_RESCUE_INTERVAL = Duration.ofSeconds(10);

  /**
   * How long a maintenance leadership lasts unless renewed (every third of it); a dead leader is
   * replaced within about one and a third of it.
   */
  public static final Duration DEFAULT_LEADER_LEASE = Duration.ofSeconds(15);

  /**
   * How late a {@link PeriodicJob} slot may still be enqueued: long enough to cover a leadership
   * handover (two leader leases) and a quick restart; slots missed for longer are downtime, skipped
   * unless the job catches up.
   */
  public static final Duration DEFAULT_PERIODIC_GRACE = Duration.ofMinutes(1);

  /**
   * How often a started node reports itself to the store's node registry ({@link Errand#nodes()}):
   * the queues it works and the kinds it has workers for.
   */
  public static final Duration DEFAULT_NODE_REPORT_INTERVAL = Duration.ofSeconds(10);

  /**
   * For how many report intervals a node's registry entry counts without a new report: a node that
   * misses two reports in a row (a slow store, a long pause) still counts, and one that died drops
   * out after three.
   */
  public static final int NODE_EXPIRY_INTERVALS = 3;

  /** How often finished jobs past their retention are deleted. */
  public static final Duration DEFAULT_PRUNE_INTERVAL = Duration.ofMinutes(1);

  /** How long completed jobs are kept. */
  public static final Duration DEFAULT_COMPLETED_RETENTION = Duration.ofHours(24);

  /** How long discarded and cancelled jobs are kept. */
  public static final Duration DEFAULT_DEAD_RETENTION = Duration.ofDays(7);

  /** Most jobs one producer fetch claims. */
  public static final int DEFAULT_FETCH_BATCH_MAX = 1_000;

  /** Most results the completer writes in one store call. */
  public static final int DEFAULT_COMPLETER_BATCH_MAX = 2_000;

  /** How long {@link Errand#close()} lets running jobs finish. */
  public static final Duration DEFAULT_SHUTDOWN_TIMEOUT = Duration.ofSeconds(30);

  /** The largest args accepted at enqueue, in bytes of their JSON in UTF-8: 1 MiB. */
  public static final int DEFAULT_MAX_ARGS_BYTES = 1024 * 1024;

  private static final Pattern NAME = Pattern.compile("[a-zA-Z0-9_.:-]{1,128}");

  private final Store store;
  private final Map<String, QueueConfig> queues;
  private final Map<String, WorkerRegistration<?>> workers;
  private final List<PeriodicJob> periodicJobs;
  private final Duration periodicGrace;
  private final List<JobListener> listeners;
  private final Clock clock;
  private final String nodeId;
  private final JsonCodec codec;
  private final int defaultMaxAttempts;
  private final Duration leaseDuration;
  private final Duration heartbeatInterval;
  private final Duration pollInterval;
  private final Duration fetchCooldown;
  private final Duration stageInterval;
  private final Duration rescueInterval;
  private final Duration pruneInterval;
  private final Duration leaderLease;
  private final Duration nodeReportInterval;
  private final Duration completedRetention;
  private final Duration discardedRetention;
  private final Duration cancelledRetention;
  private final int fetchBatchMax;
  private final int completerBatchMax;
  private final Duration shutdownTimeout;
  private final int maxArgsBytes;
  private final Store drainFrom;

  private Config(Builder b) {
    this.store = b.store;
    this.drainFrom = b.drainFrom;
    this.queues = Collections.unmodifiableMap(new LinkedHashMap<>(b.queues));
    this.workers = Collections.unmodifiableMap(new LinkedHashMap<>(b.workers));
    this.periodicJobs = List.copyOf(b.periodicJobs.values());
    this.periodicGrace =
        b.periodicGrace != null
            ? b.periodicGrace
            : max(DEFAULT_PERIODIC_GRACE, b.leaderLease.multipliedBy(2));
    this.listeners = List.copyOf(b.listeners);
    // Corrected by its offset to the store's clock once a node started (see clock()).
    this.clock = new StoreAlignedClock(b.clock);
    this.nodeId = b.nodeId;
    this.codec = b.codec;
    this.defaultMaxAttempts = b.defaultMaxAttempts;
    this.leaseDuration = b.leaseDuration;
    this.heartbeatInterval =
        b.heartbeatInterval != null ? b.heartbeatInterval : b.leaseDuration.dividedBy(3);
    this.pollInterval = b.pollInterval;
    this.fetchCooldown = b.fetchCooldown;
    this.stageInterval = b.stageInterval;
    this.rescueInterval = b.rescueInterval;
    this.pruneInterval = b.pruneInterval;
    this.leaderLease = b.leaderLease;
    this.nodeReportInterval = b.nodeReportInterval;
    this.completedRetention = b.completedRetention;
    this.discardedRetention = b.discardedRetention;
    this.cancelledRetention = b.cancelledRetention;
    this.fetchBatchMax = b.fetchBatchMax;
    this.completerBatchMax = b.completerBatchMax;
    this.shutdownTimeout = b.shutdownTimeout;
    this.maxArgsBytes = b.maxArgsBytes;
  }

  /**
   * This config on {@code old}, the store a node drains ({@link Builder#drainFrom}): the same
   * queues, workers, listeners and timings, without periodic jobs (their slots go to the new
   * store), with a clock aligned with the old store's own.
   */
  private Config(Config c, Store old) {
    this.store = old;
    this.drainFrom = null;
    this.queues = c.queues;
    this.workers = c.workers;
    this.periodicJobs = List.of();
    this.periodicGrace = c.periodicGrace;
    this.listeners = c.listeners;
    this.clock = new StoreAlignedClock(((StoreAlignedClock) c.clock).base());
    this.nodeId = c.nodeId;
    this.codec = c.codec;
    this.defaultMaxAttempts = c.defaultMaxAttempts;
    this.leaseDuration = c.leaseDuration;
    this.heartbeatInterval = c.heartbeatInterval;
    this.pollInterval = c.pollInterval;
    this.fetchCooldown = c.fetchCooldown;
    this.stageInterval = c.stageInterval;
    this.rescueInterval = c.rescueInterval;
    this.pruneInterval = c.pruneInterval;
    this.leaderLease = c.leaderLease;
    this.nodeReportInterval = c.nodeReportInterval;
    this.completedRetention = c.completedRetention;
    this.discardedRetention = c.discardedRetention;
    this.cancelledRetention = c.cancelledRetention;
    this.fetchBatchMax = c.fetchBatchMax;
    this.completerBatchMax = c.completerBatchMax;
    this.shutdownTimeout = c.shutdownTimeout;
    this.maxArgsBytes = c.maxArgsBytes;
  }

  /** This config on the store it drains, for the node's second engine; empty if it drains none. */
  Optional<Config> drainConfig() {
    return drainFrom == null ? Optional.empty() : Optional.of(new Config(this, drainFrom));
  }

  private static Duration max(Duration a, Duration b) {
    return a.compareTo(b) >= 0 ? a : b;
  }

  /**
   * A builder on {@code store}, with every other field at its default. The store stays the
   * caller's: {@link Errand#close()} does not close it.
   */
  public static Builder builder(Store store) {
    return new Builder(store);
  }

  /**
   * Checks a queue name: 1 to 128 characters of letters, digits, {@code _ . : -}.
   *
   * @throws IllegalArgumentException naming the problem
   */
  public static void checkQueueName(String name) {
    if (name == null || !NAME.matcher(name).matches()) {
      throw new IllegalArgumentException(
          "queue name must be 1 to 128 characters of letters, digits, '_', '.', ':' or '-', was "
              + (name == null ? "null" : "'" + name + "'"));
    }
  }

  /**
   * Checks a job kind: 1 to 128 characters of letters, digits, {@code _ . : -}.
   *
   * @throws IllegalArgumentException naming the problem
   */
  public static void checkKind(String kind) {
    if (kind == null || !NAME.matcher(kind).matches()) {
      throw new IllegalArgumentException(
          "job kind must be 1 to 128 characters of letters, digits, '_', '.', ':' or '-', was "
              + (kind == null ? "null" : "'" + kind + "'"));
    }
  }

  /** The store, which the caller who opened it closes (after the {@link Errand}). */
  public Store store() {
    return store;
  }

  /**
   * The store this node drains while it moves to {@link #store()}, if any: see {@link
   * Builder#drainFrom}.
   */
  public Optional<Store> drainFrom() {
    return Optional.ofNullable(drainFrom);
  }

  /** The queues this node works, by name, in the order they were added. */
  public Map<String, QueueConfig> queues() {
    return queues;
  }

  /** The registered workers, by kind. */
  public Map<String, WorkerRegistration<?>> workers() {
    return workers;
  }

  /** The listeners told about every finished attempt. */
  public List<JobListener> listeners() {
    return listeners;
  }

  /**
   * The clock every timestamp comes from: the configured one ({@link Builder#clock}), corrected by
   * its offset to the store's own clock ({@link Store#time()}), so that nodes whose clocks disagree
   * compute leases, leadership terms and run times on the store's time line. A started node
   * measures the offset at start and every minute; a node never started (an insert-only client)
   * once, at the first read of this clock. Uncorrected where the store has no clock of its own (in
   * memory, SQLite: one process's clock is the store's).
   */
  public Clock clock() {
    return clock;
  }

  /** This node's name in leases and logs; unique per process by default. */
  public String nodeId() {
    return nodeId;
  }

  public JsonCodec codec() {
    return codec;
  }

  public int defaultMaxAttempts() {
    return defaultMaxAttempts;
  }

  public Duration leaseDuration() {
    return leaseDuration;
  }

  public Duration heartbeatInterval() {
    return heartbeatInterval;
  }

  public Duration pollInterval() {
    return pollInterval;
  }

  public Duration fetchCooldown() {
    return fetchCooldown;
  }

  public Duration stageInterval() {
    return stageInterval;
  }

  public Duration rescueInterval() {
    return rescueInterval;
  }

  public Duration pruneInterval() {
    return pruneInterval;
  }

  public Duration leaderLease() {
    return leaderLease;
  }

  /** See {@link #DEFAULT_NODE_REPORT_INTERVAL}. */
  public Duration nodeReportInterval() {
    return nodeReportInterval;
  }

  /**
   * How long a node's registry entry counts without a new report: {@link #NODE_EXPIRY_INTERVALS}
   * report intervals.
   */
  public Duration nodeExpiry() {
    return nodeReportInterval.multipliedBy(NODE_EXPIRY_INTERVALS);
  }

  /** The periodic jobs the maintenance leader enqueues, in the order they were added. */
  public List<PeriodicJob> periodicJobs() {
    return periodicJobs;
  }

  /** See {@link #DEFAULT_PERIODIC_GRACE}. */
  public Duration periodicGrace() {
    return periodicGrace;
  }

  public Duration completedRetention() {
    return completedRetention;
  }

  public Duration discardedRetention() {
    return discardedRetention;
  }

  public Duration cancelledRetention() {
    return cancelledRetention;
  }

  public int fetchBatchMax() {
    return fetchBatchMax;
  }

  public int completerBatchMax() {
    return completerBatchMax;
  }

  public Duration shutdownTimeout() {
    return shutdownTimeout;
  }

  /** The largest args accepted at enqueue, in bytes: see {@link Builder#maxArgsBytes}. */
  public int maxArgsBytes() {
    return maxArgsBytes;
  }

  /**
   * A worker registered for one kind.
   *
   * @param kind the kind it works
   * @param argsType the record its args decode into
   * @param worker the worker
   * @param <A> the args type
   */
  public record WorkerRegistration<A extends JobArgs>(
      String kind, Class<A> argsType, Worker<A> worker) {}

  /** Collects and validates a {@link Config}. Not thread-safe. */
  public static final class Builder {
    private final Store store;
    private final Map<String, QueueConfig> queues = new LinkedHashMap<>();
    private final Map<String, WorkerRegistration<?>> workers = new LinkedHashMap<>();
    private final List<JobListener> listeners = new ArrayList<>();
    // Microseconds: what every store keeps, so a time read back equals the time written.
    private Clock clock = Clock.tick(Clock.systemUTC(), Duration.ofNanos(1_000));
    private String nodeId = defaultNodeId();
    private JsonCodec codec = JsonCodec.jackson();
    private int defaultMaxAttempts = DEFAULT_MAX_ATTEMPTS;
    private Duration leaseDuration = DEFAULT_LEASE_DURATION;
    private Duration heartbeatInterval;
    private Duration pollInterval = DEFAULT_POLL_INTERVAL;
    private Duration fetchCooldown = DEFAULT_FETCH_COOLDOWN;
    private Duration stageInterval = DEFAULT_STAGE_INTERVAL;
    private Duration rescueInterval = DEFAULT_RESCUE_INTERVAL;
    private Duration pruneInterval = DEFAULT_PRUNE_INTERVAL;
    private Duration leaderLease = DEFAULT_LEADER_LEASE;
    private Duration nodeReportInterval = DEFAULT_NODE_REPORT_INTERVAL;
    private final Map<String, PeriodicJob> periodicJobs = new LinkedHashMap<>();
    private Duration periodicGrace;
    private Duration completedRetention = DEFAULT_COMPLETED_RETENTION;
    private Duration discardedRetention = DEFAULT_DEAD_RETENTION;
    private Duration cancelledRetention = DEFAULT_DEAD_RETENTION;
    private int fetchBatchMax = DEFAULT_FETCH_BATCH_MAX;
    private int completerBatchMax = DEFAULT_COMPLETER_BATCH_MAX;
    private Duration shutdownTimeout = DEFAULT_SHUTDOWN_TIMEOUT;
    private int maxArgsBytes = DEFAULT_MAX_ARGS_BYTES;
    private Store drainFrom;

    private Builder(Store store) {
      this.store = Objects.requireNonNull(store, "store");
    }

    /** Works queue {@code name} with up to {@code concurrency} jobs at once on virtual threads. */
    public Builder queue(String name, int concurrency) {
      return queue(QueueConfig.of(name, concurrency));
    }

    /** Works the queue {@code queue} describes. */
    public Builder queue(QueueConfig queue) {
      if (queues.putIfAbsent(queue.name(), queue) != null) {
        throw new InvalidConfigException("queues: '" + queue.name() + "' is configured twice");
      }
      return this;
    }

    /**
     * Runs jobs with {@code worker}, whose args type is the type argument of the {@code Worker<A>}
     * its class implements, and whose kind is that type's {@link JobKind}. Declare the worker as a
     * class ({@code class SignInEmailWorker implements Worker<SignInEmail>}); a lambda does not
     * keep its type argument at run time: register it with {@link #worker(Class, Worker)}.
     *
     * @throws InvalidConfigException if the args type cannot be told from the worker's class, has
     *     no {@link JobKind}, or its kind is registered already
     */
    public <A extends JobArgs> Builder worker(Worker<A> worker) {
      Objects.requireNonNull(worker, "worker");
      Class<A> argsType = argsTypeOf(worker);
      if (argsType == null) {
        throw new InvalidConfigException(
            "workers: cannot tell which args "
                + workerName(worker)
                + " works: it is a lambda, or its class does not name the args type in"
                + " implements Worker<...>; register it with worker(YourArgs.class, worker)");
      }
      return worker(argsType, worker);
    }

    /**
     * Runs jobs whose args are {@code argsType} with {@code worker}; the kind is {@code argsType}'s
     * {@link JobKind}.
     *
     * @throws InvalidConfigException if {@code argsType} has no {@link JobKind}, or its kind is
     *     registered already
     */
    public <A extends JobArgs> Builder worker(Class<A> argsType, Worker<A> worker) {
      Objects.requireNonNull(argsType, "argsType");
      String kind =
          JobKinds.declared(argsType)
              .orElseThrow(
                  () ->
                      new InvalidConfigException(
                          "workers: "
                              + argsType.getName()
                              + " has no @JobKind, so its kind is not known before a job is"
                              + " enqueued; annotate it with @JobKind(\"...\"), or register"
                              + " it with worker(kind, "
                              + argsType.getSimpleName()
                              + ".class, worker)"));
      try {
        checkKind(kind);
      } catch (IllegalArgumentException e) {
        throw new InvalidConfigException(
            "workers: @JobKind of " + argsType.getName() + ": " + e.getMessage());
      }
      return worker(kind, argsType, worker);
    }

    /**
     * Runs jobs of {@code kind}, whose args are {@code argsType}, with {@code worker}. When {@code
     * argsType} has a {@link JobKind}, {@link #worker(Class, Worker)} says the same in fewer words.
     *
     * @throws InvalidConfigException if {@code kind} is not a valid kind, differs from {@code
     *     argsType}'s {@link JobKind}, or is registered already
     */
    public <A extends JobArgs> Builder worker(String kind, Class<A> argsType, Worker<A> worker) {
      try {
        checkKind(kind);
      } catch (IllegalArgumentException e) {
        throw new InvalidConfigException("workers: " + e.getMessage());
      }
      Objects.requireNonNull(argsType, "argsType");
      Objects.requireNonNull(worker, "worker");
      // Checked here rather than at the first enqueue, which would refuse every job of this kind.
      String declared = JobKinds.declared(argsType).orElse(kind);
      if (!declared.equals(kind)) {
        throw new InvalidConfigException(
            "workers: kind '"
                + kind
                + "' is registered for "
                + argsType.getName()
                + ", whose @JobKind is '"
                + declared
                + "'; register it as '"
                + declared
                + "' (worker(worker) reads it), or change the @JobKind if no job of kind '"
                + declared
                + "' is queued");
      }
      if (workers.putIfAbsent(kind, new WorkerRegistration<>(kind, argsType, worker)) != null) {
        throw new InvalidConfigException("workers: kind '" + kind + "' is registered twice");
      }
      return this;
    }

    /**
     * Enqueues {@code job} on its schedule. Give every node the same periodic jobs: whichever node
     * leads enqueues them. Needs a store with {@link Capability#UNIQUE_JOBS}: each slot's job is
     * unique, which is what keeps a slot from running twice ({@link #build()} checks).
     */
    public Builder periodic(PeriodicJob job) {
      Objects.requireNonNull(job, "job");
      if (periodicJobs.putIfAbsent(job.name(), job) != null) {
        throw new InvalidConfigException(
            "periodicJobs: '"
                + job.name()
                + "' is declared twice; give one of them another name with named()");
      }
      return this;
    }

    /**
     * See {@link Config#DEFAULT_PERIODIC_GRACE}; at least two leader leases. Unset, it is the
     * default or two leader leases, whichever is longer.
     */
    public Builder periodicGrace(Duration grace) {
      this.periodicGrace =
          checkRange("periodicGrace", grace, Duration.ofMillis(1), Duration.ofDays(1));
      return this;
    }

    /** Tells {@code listener} about every attempt this node finishes. */
    public Builder listener(JobListener listener) {
      listeners.add(Objects.requireNonNull(listener, "listener"));
      return this;
    }

    /** The clock every timestamp comes from; tests pass a manual one. */
    public Builder clock(Clock clock) {
      this.clock = Objects.requireNonNull(clock, "clock");
      return this;
    }

    public Builder nodeId(String nodeId) {
      if (nodeId == null || nodeId.isBlank() || nodeId.length() > 128) {
        throw new InvalidConfigException(
            "nodeId must be 1 to 128 characters, was '" + nodeId + "'");
      }
      try {
        // The node's lease owner name: a PostgreSQL store could not write it.
        StoredText.check("nodeId", nodeId);
      } catch (IllegalArgumentException e) {
        throw new InvalidConfigException(e.getMessage());
      }
      this.nodeId = nodeId;
      return this;
    }

    public Builder codec(JsonCodec codec) {
      this.codec = Objects.requireNonNull(codec, "codec");
      return this;
    }

    public Builder defaultMaxAttempts(int attempts) {
      this.defaultMaxAttempts = checkRange("defaultMaxAttempts", attempts, 1, MAX_ATTEMPTS_LIMIT);
      return this;
    }

    public Builder leaseDuration(Duration lease) {
      this.leaseDuration =
          checkRange("leaseDuration", lease, Duration.ofMillis(100), Duration.ofHours(1));
      return this;
    }

    /** How often running jobs' leases are renewed; by default a third of the lease. */
    public Builder heartbeatInterval(Duration interval) {
      this.heartbeatInterval =
          checkRange("heartbeatInterval", interval, Duration.ofMillis(10), Duration.ofMinutes(20));
      return this;
    }

    public Builder pollInterval(Duration interval) {
      this.pollInterval =
          checkRange("pollInterval", interval, Duration.ofMillis(10), Duration.ofMinutes(10));
      return this;
    }

    /** See {@link Config#DEFAULT_FETCH_COOLDOWN}; zero fetches for every freed slot. */
    public Builder fetchCooldown(Duration cooldown) {
      this.fetchCooldown =
          checkRange("fetchCooldown", cooldown, Duration.ZERO, Duration.ofSeconds(1));
      return this;
    }

    public Builder stageInterval(Duration interval) {
      this.stageInterval =
          checkRange("stageInterval", interval, Duration.ofMillis(10), Duration.ofMinutes(10));
      return this;
    }

    public Builder rescueInterval(Duration interval) {
      this.rescueInterval =
          checkRange("rescueInterval", interval, Duration.ofMillis(10), Duration.ofHours(1));
      return this;
    }

    public Builder pruneInterval(Duration interval) {
      this.pruneInterval =
          checkRange("pruneInterval", interval, Duration.ofMillis(10), Duration.ofDays(1));
      return this;
    }

    public Builder leaderLease(Duration lease) {
      this.leaderLease =
          checkRange("leaderLease", lease, Duration.ofMillis(30), Duration.ofHours(1));
      return this;
    }

    /**
     * See {@link Config#DEFAULT_NODE_REPORT_INTERVAL}; 10 ms to 10 minutes. Each report is one
     * small write; a node that dies drops out of the registry after {@link
     * Config#NODE_EXPIRY_INTERVALS} intervals.
     */
    public Builder nodeReportInterval(Duration interval) {
      this.nodeReportInterval =
          checkRange("nodeReportInterval", interval, Duration.ofMillis(10), Duration.ofMinutes(10));
      return this;
    }

    public Builder completedRetention(Duration retention) {
      this.completedRetention =
          checkRange("completedRetention", retention, Duration.ZERO, Duration.ofDays(3650));
      return this;
    }

    public Builder discardedRetention(Duration retention) {
      this.discardedRetention =
          checkRange("discardedRetention", retention, Duration.ZERO, Duration.ofDays(3650));
      return this;
    }

    public Builder cancelledRetention(Duration retention) {
      this.cancelledRetention =
          checkRange("cancelledRetention", retention, Duration.ZERO, Duration.ofDays(3650));
      return this;
    }

    public Builder fetchBatchMax(int max) {
      this.fetchBatchMax = checkRange("fetchBatchMax", max, 1, 10_000);
      return this;
    }

    public Builder completerBatchMax(int max) {
      this.completerBatchMax = checkRange("completerBatchMax", max, 1, 100_000);
      return this;
    }

    /** How long {@link Errand#close()} lets running jobs finish before releasing them. */
    public Builder shutdownTimeout(Duration timeout) {
      this.shutdownTimeout =
          checkRange("shutdownTimeout", timeout, Duration.ZERO, Duration.ofHours(1));
      return this;
    }

    /**
     * The largest args accepted at enqueue, from 64 bytes to 64 MiB; {@link
     * #DEFAULT_MAX_ARGS_BYTES} unless set. Counted in bytes of the args' JSON encoded as UTF-8, the
     * size a store keeps, not in Java {@code char}s: a character outside ASCII takes two to four
     * bytes. Larger args are refused with a {@link JobArgsException} that names this limit, and
     * nothing is stored. A store keeps the args it is given byte for byte (its contract checks this
     * at the default limit).
     */
    public Builder maxArgsBytes(int max) {
      this.maxArgsBytes = checkRange("maxArgsBytes", max, 64, 64 * 1024 * 1024);
      return this;
    }

    /**
     * Moves this node from {@code old} to the builder's store: the node works its queues on both
     * with the same workers, while everything it enqueues goes to the new store (a job's follow-ups
     * written with its completion stay beside it in the old store, and are drained too). Jobs
     * waiting, scheduled or retrying in the old store run there until none is left; {@link
     * Errand#isDrained()} says when. Periodic jobs are enqueued in the new store only. Run this on
     * every node, then, once drained, start them without it. The old store stays the caller's to
     * close.
     */
    public Builder drainFrom(Store old) {
      this.drainFrom = Objects.requireNonNull(old, "old");
      return this;
    }

    /**
     * The validated config.
     *
     * @throws InvalidConfigException naming the first field that does not fit
     */
    public Config build() {
      if (drainFrom == store) {
        throw new InvalidConfigException("drainFrom: a node cannot drain the store it moves to");
      }
      Duration heartbeat =
          heartbeatInterval != null ? heartbeatInterval : leaseDuration.dividedBy(3);
      if (heartbeat.compareTo(leaseDuration.dividedBy(2)) > 0) {
        throw new InvalidConfigException(
            "heartbeatInterval must be at most half of leaseDuration ("
                + leaseDuration.dividedBy(2)
                + "), was "
                + heartbeat);
      }
      if (periodicGrace != null && periodicGrace.compareTo(leaderLease.multipliedBy(2)) < 0) {
        throw new InvalidConfigException(
            "periodicGrace must be at least two leader leases ("
                + leaderLease.multipliedBy(2)
                + ") so that a leadership handover misses no slot, was "
                + periodicGrace);
      }
      if (!periodicJobs.isEmpty() && !store.capabilities().contains(Capability.UNIQUE_JOBS)) {
        throw new InvalidConfigException(
            "periodicJobs: "
                + store.getClass().getSimpleName()
                + " cannot enforce unique jobs (no UNIQUE_JOBS capability), so it cannot keep a"
                + " slot from being enqueued twice");
      }
      for (PeriodicJob job : periodicJobs.values()) {
        if (job.catchUpWindow() != null && job.catchUpWindow().compareTo(completedRetention) > 0) {
          throw new InvalidConfigException(
              "periodicJobs: '"
                  + job.name()
                  + "' catches up over "
                  + job.catchUpWindow()
                  + ", longer than completedRetention ("
                  + completedRetention
                  + "); a slot's pruned job could not stop it from running again");
        }
      }
      return new Config(this);
    }

    /**
     * The {@code A} of the {@code Worker<A>} that {@code worker}'s class implements, through
     * generic superclasses and interfaces; null if erased (lambdas, raw types, type variables).
     */
    @SuppressWarnings("unchecked")
    private static <A extends JobArgs> Class<A> argsTypeOf(Worker<A> worker) {
      Type found = workerTypeArgument(worker.getClass(), Map.of());
      if (found instanceof ParameterizedType p) {
        found = p.getRawType();
      }
      return found instanceof Class<?> c && JobArgs.class.isAssignableFrom(c) ? (Class<A>) c : null;
    }

    private static Type workerTypeArgument(Type type, Map<TypeVariable<?>, Type> bindings) {
      Class<?> raw;
      Map<TypeVariable<?>, Type> bound = Map.of();
      if (type instanceof Class<?> c) {
        raw = c;
      } else if (type instanceof ParameterizedType p && p.getRawType() instanceof Class<?> c) {
        raw = c;
        TypeVariable<?>[] variables = c.getTypeParameters();
        Type[] arguments = p.getActualTypeArguments();
        Map<TypeVariable<?>, Type> map = new HashMap<>();
        for (int i = 0; i < variables.length; i++) {
          map.put(variables[i], bindings.getOrDefault(arguments[i], arguments[i]));
        }
        bound = map;
        if (c == Worker.class) {
          return map.get(variables[0]);
        }
      } else {
        return null;
      }
      for (Type parent : raw.getGenericInterfaces()) {
        Type found = workerTypeArgument(parent, bound);
        if (found != null) {
          return found;
        }
      }
      return raw.getGenericSuperclass() != null
          ? workerTypeArgument(raw.getGenericSuperclass(), bound)
          : null;
    }

    private static String workerName(Worker<?> worker) {
      Class<?> type = worker.getClass();
      return type.isSynthetic() || type.isHidden() ? "a lambda worker" : type.getName();
    }

    private static int checkRange(String field, int value, int min, int max) {
      if (value < min || value > max) {
        throw new InvalidConfigException(
            field + " must be between " + min + " and " + max + ", was " + value);
      }
      return value;
    }

    private static Duration checkRange(String field, Duration value, Duration min, Duration max) {
      if (value == null || value.compareTo(min) < 0 || value.compareTo(max) > 0) {
        throw new InvalidConfigException(
            field + " must be between " + min + " and " + max + ", was " + value);
      }
      return value;
    }

    private static String defaultNodeId() {
      String host;
      try {
        host = java.net.InetAddress.getLocalHost().getHostName();
      } catch (java.io.IOException | RuntimeException e) {
        host = "localhost";
      }
      return host
          + "-"
          + ManagementFactory.getRuntimeMXBean().getPid()
          + "-"
          + UUID.randomUUID().toString().substring(0, 8);
    }
  }
}
