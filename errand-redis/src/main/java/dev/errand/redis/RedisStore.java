package dev.errand.redis;

import static dev.errand.redis.JobFields.micros;

import dev.errand.AttemptError;
import dev.errand.DependencyFailure;
import dev.errand.Enqueued;
import dev.errand.JobEdges;
import dev.errand.JobInfo;
import dev.errand.JobOrder;
import dev.errand.JobQuery;
import dev.errand.JobState;
import dev.errand.NodeInfo;
import dev.errand.QueueInfo;
import dev.errand.StoreException;
import dev.errand.redis.RedisScripts.Script;
import dev.errand.spi.Capability;
import dev.errand.spi.ImportedJob;
import dev.errand.spi.JobCancelParams;
import dev.errand.spi.JobColumns;
import dev.errand.spi.JobDeleteParams;
import dev.errand.spi.JobEdgesParams;
import dev.errand.spi.JobFetchParams;
import dev.errand.spi.JobFinish;
import dev.errand.spi.JobFinishManyParams;
import dev.errand.spi.JobFinishManyResult;
import dev.errand.spi.JobHeartbeatParams;
import dev.errand.spi.JobHeartbeatResult;
import dev.errand.spi.JobImportParams;
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
import java.net.URI;
import java.time.Instant;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.EnumSet;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import redis.clients.jedis.Connection;
import redis.clients.jedis.ConnectionPool;
import redis.clients.jedis.HostAndPort;
import redis.clients.jedis.Jedis;
import redis.clients.jedis.RedisClient;
import redis.clients.jedis.RedisClusterClient;
import redis.clients.jedis.UnifiedJedis;
import redis.clients.jedis.exceptions.JedisConnectionException;
import redis.clients.jedis.exceptions.JedisException;

/**
 * Errand's store on Redis, in Sidekiq's key layout: waiting jobs sit in Sidekiq's {@code
 * queue:<name>} lists, {@code schedule}, {@code retry} and {@code dead} sets, as Sidekiq's JSON;
 * what only Errand needs (the whole record of each job, leases, views) sits beside them under
 * {@code errand:}. Every step that touches more than one key is one Lua script ({@link
 * RedisScripts}), so each is atomic on the server. See the README, "On Redis".
 *
 * <p>Build one with {@code RedisStore.builder("redis://127.0.0.1:6379").build()}; {@link
 * Builder#prefix} puts every key under a namespace, as Sidekiq's {@code redis-namespace} does.
 */
public final class RedisStore implements Store {
  private static final Logger log = LoggerFactory.getLogger(RedisStore.class);

  private final UnifiedJedis redis;
  private final RedisScripts scripts;
  private final String prefix;
  private final Set<Capability> capabilities;
  private final RedisNotifier notifier;

  /** Null on a cluster, whose client sends no transactions: every insert is then insert.lua. */
  private final BulkInsert bulkInsert;

  private RedisStore(Builder b) {
    try {
      this.redis = b.seeds != null ? RedisClusterClient.create(b.seeds) : RedisClient.create(b.url);
    } catch (JedisException e) {
      throw new StoreException("cannot reach " + b.where() + ": " + e.getMessage(), e);
    }
    this.prefix = keyPrefix(b.prefix, b.seeds != null);
    this.scripts = new RedisScripts(redis, prefix);
    this.bulkInsert = b.seeds != null ? null : new BulkInsert(redis, prefix, scripts);
    this.notifier = new RedisNotifier(redis, availableChannel());
    EnumSet<Capability> caps =
        EnumSet.of(
            Capability.MULTI_PROCESS,
            Capability.LISTEN_NOTIFY,
            Capability.NODE_REGISTRY,
            Capability.UNIQUE_JOBS,
            Capability.DEPENDENCIES);
    boolean persists;
    try {
      persists = persists();
    } catch (RuntimeException e) {
      notifier.close();
      redis.close();
      throw e;
    }
    if (persists) {
      caps.add(Capability.DURABLE);
    } else {
      log.warn(
          "the Redis server at {} does not write an append-only file (appendonly no): jobs"
              + " enqueued since its last snapshot are lost if it stops; set appendonly yes"
              + " (appendfsync everysec or always) to keep every acknowledged enqueue",
          b.where());
    }
    this.capabilities = Set.copyOf(caps);
  }

  /**
   * The start of every key. On one server, {@code prefix:} (or nothing), Sidekiq's keys where
   * Sidekiq has them. On a cluster, a hash tag, {@code {prefix}:} ({@code {errand}:} without a
   * prefix): every key of the store hashes to one slot, so that each script, which reads and writes
   * many keys at once, runs on one node, as a cluster requires.
   */
  private static String keyPrefix(String prefix, boolean cluster) {
    if (cluster) {
      return "{" + (prefix.isEmpty() ? "errand" : prefix) + "}:";
    }
    return prefix.isEmpty() ? "" : prefix + ":";
  }

  /**
   * A builder for a store on the server at {@code url}, {@code redis://host:port[/db]} (or {@code
   * rediss://} for TLS), or on the Redis Cluster that the nodes of {@code
   * redis-cluster://host:port[,host:port…]} belong to.
   */
  public static Builder builder(String url) {
    Objects.requireNonNull(url, "url");
    if (url.startsWith(CLUSTER_SCHEME)) {
      return new Builder(null, clusterSeeds(url));
    }
    URI uri = URI.create(url);
    if (!"redis".equals(uri.getScheme()) && !"rediss".equals(uri.getScheme())) {
      throw new IllegalArgumentException(
          "a Redis URL starts with redis://, rediss:// or "
              + CLUSTER_SCHEME
              + " (a cluster's nodes), was "
              + url);
    }
    return new Builder(uri, null);
  }

  /** The scheme of a cluster's URL: {@code redis-cluster://host:port[,host:port…]}. */
  public static final String CLUSTER_SCHEME = "redis-cluster://";

  private static Set<HostAndPort> clusterSeeds(String url) {
    String nodes = url.substring(CLUSTER_SCHEME.length());
    if (nodes.endsWith("/")) {
      nodes = nodes.substring(0, nodes.length() - 1);
    }
    Set<HostAndPort> seeds = new LinkedHashSet<>();
    for (String node : nodes.split(",")) {
      int colon = node.lastIndexOf(':');
      try {
        seeds.add(
            new HostAndPort(node.substring(0, colon), Integer.parseInt(node.substring(colon + 1))));
      } catch (RuntimeException e) {
        throw new IllegalArgumentException(
            "a cluster's URL lists its nodes as host:port, separated by commas ("
                + CLUSTER_SCHEME
                + "10.0.0.1:7000,10.0.0.2:7000), was "
                + url);
      }
    }
    return seeds;
  }

  /** Options of a {@link RedisStore}. */
  public static final class Builder {
    private final URI url;
    private final Set<HostAndPort> seeds;
    private String prefix = "";

    private Builder(URI url, Set<HostAndPort> seeds) {
      this.url = url;
      this.seeds = seeds;
    }

    /** Where the store's server or cluster is, for messages. */
    private String where() {
      return seeds != null ? "the cluster of " + seeds : url.getHost() + ":" + url.getPort();
    }

    /**
     * Puts every key, Sidekiq's and Errand's, under {@code prefix:}, as Sidekiq's {@code
     * redis-namespace} does; empty (the default) for none. On a cluster, under the hash tag {@code
     * {prefix}:} ({@code {errand}:} for none): one store's keys share one slot, so a store per
     * group of queues spreads them over the cluster's nodes.
     */
    public Builder prefix(String prefix) {
      if (!prefix.matches("[A-Za-z0-9_.-]*")) {
        throw new IllegalArgumentException(
            "a key prefix may hold letters, digits, '_', '.' and '-', was '" + prefix + "'");
      }
      this.prefix = prefix;
      return this;
    }

    public RedisStore build() {
      return new RedisStore(this);
    }
  }

  /** Whether the server writes an append-only file: only then is an acknowledged write kept. */
  private boolean persists() {
    try {
      if (redis instanceof RedisClusterClient cluster) {
        // Each node keeps its own slots: every one must write the file (a replica may be promoted).
        for (ConnectionPool node : cluster.getClusterNodes().values()) {
          try (Connection connection = node.getResource()) {
            Jedis jedis = new Jedis(connection);
            if (!"yes".equals(jedis.configGet("appendonly").get("appendonly"))) {
              return false;
            }
          }
        }
        return true;
      }
      return "yes".equals(redis.configGet("appendonly").get("appendonly"));
    } catch (JedisConnectionException e) {
      throw new StoreException("cannot reach Redis: " + e.getMessage(), e);
    } catch (JedisException e) {
      // CONFIG may be renamed or refused (managed Redis): say what cannot be known.
      log.warn(
          "could not read the Redis server's appendonly setting ({}): not declaring DURABLE",
          e.getMessage());
      return false;
    }
  }

  @Override
  public Set<Capability> capabilities() {
    return capabilities;
  }

  @Override
  public Optional<Notifier> notifier() {
    return Optional.of(notifier);
  }

  /** The channel the scripts publish a queue's name on when they made jobs available in it. */
  private String availableChannel() {
    return prefix + "errand:available";
  }

  @Override
  public Optional<Instant> time() {
    List<?> reply = (List<?>) scripts.run(Script.TIME, List.of());
    long seconds = Long.parseLong(text(reply.get(0)));
    long micros = Long.parseLong(text(reply.get(1)));
    return Optional.of(Instant.ofEpochSecond(seconds, micros * 1_000));
  }

  @Override
  public List<Enqueued> jobInsertMany(JobInsertManyParams params) {
    if (params.jobs().isEmpty()) {
      return List.of();
    }
    return insert(params.jobs(), false, params.now());
  }

  @Override
  public List<Enqueued> jobInsertBatch(JobInsertBatchParams params) {
    List<NewJob> jobs = new ArrayList<>(params.members().size() + 1);
    jobs.addAll(params.members());
    jobs.add(params.callback().withDependencies(List.of(), DependencyFailure.RUN));
    return insert(jobs, true, params.now());
  }

  @Override
  public List<Enqueued> jobImport(JobImportParams params) {
    if (params.jobs().isEmpty()) {
      return List.of();
    }
    List<String> args = new ArrayList<>(2 + params.jobs().size() * 19);
    args.add(micros(params.now()));
    args.add(Integer.toString(params.jobs().size()));
    String stamp = SidekiqJobs.stamp(params.now());
    for (ImportedJob imported : params.jobs()) {
      addInsertFields(args, imported.job(), params.now(), stamp);
      List<AttemptError> errors = imported.errors();
      AttemptError last = errors.isEmpty() ? null : errors.get(errors.size() - 1);
      args.add(imported.retrying() ? "1" : "0");
      args.add(Integer.toString(imported.attempt()));
      args.add(JobColumns.errorsJson(errors));
      args.add(last == null ? "" : last.errorClass());
      args.add(last == null ? "" : last.message());
      args.add(micros(last == null ? params.now() : last.at()));
    }
    return enqueued((List<?>) scripts.run(Script.IMPORT, args));
  }

  /** Inserts {@code jobs}; with {@code batch}, the last waits on all the others. */
  private List<Enqueued> insert(List<NewJob> jobs, boolean batch, Instant now) {
    if (!batch && bulkInsert != null && BulkInsert.takes(jobs)) {
      return bulkInsert.insert(jobs, now);
    }
    List<String> args = new ArrayList<>(3 + jobs.size() * 13);
    args.add(micros(now));
    args.add(Integer.toString(jobs.size()));
    args.add(batch ? "1" : "0");
    String stamp = SidekiqJobs.stamp(now);
    for (NewJob job : jobs) {
      addInsertFields(args, job, now, stamp);
    }
    return enqueued((List<?>) scripts.run(Script.INSERT, args));
  }

  /** The id, state and duplicate flag per job that insert.lua and import.lua return. */
  private static List<Enqueued> enqueued(List<?> reply) {
    List<Enqueued> enqueued = new ArrayList<>(reply.size() / 3);
    for (int i = 0; i < reply.size(); i += 3) {
      enqueued.add(
          new Enqueued(
              (Long) reply.get(i),
              JobColumns.state(text(reply.get(i + 1))),
              (Long) reply.get(i + 2) == 1L));
    }
    return enqueued;
  }

  /** The nine fields {@code insert_job} in lib.lua reads (INSERT_FIELDS). */
  private static void addInsertFields(List<String> args, NewJob job, Instant now, String stamp) {
    args.add(job.queue());
    args.add(Integer.toString(job.priority()));
    args.add(micros(job.scheduledAt()));
    args.add(SidekiqJobs.openJson(job, stamp));
    args.add(JobFields.madeWith(job, micros(now)));
    args.add(job.uniqueKey() == null ? "" : job.uniqueKey());
    StringBuilder states = new StringBuilder(",");
    for (JobState state : job.uniqueStates()) {
      states.append(JobColumns.stateName(state)).append(',');
    }
    args.add(states.toString());
    StringBuilder dependsOn = new StringBuilder();
    for (long id : job.dependsOn()) {
      dependsOn.append(dependsOn.isEmpty() ? "" : ",").append(id);
    }
    args.add(dependsOn.toString());
    args.add(job.ifDependencyFails() == DependencyFailure.CANCEL ? "cancel" : "run");
  }

  @Override
  public List<JobInfo> jobFetch(JobFetchParams params) {
    List<String> args = new ArrayList<>(6 + params.kinds().size());
    args.add(params.queue());
    args.add(Integer.toString(params.limit()));
    args.add(params.owner());
    args.add(micros(params.now()));
    args.add(micros(params.leaseExpiresAt()));
    args.add(Integer.toString(params.kinds().size()));
    args.addAll(params.kinds());
    return jobs(scripts.run(Script.FETCH, args));
  }

  @Override
  public JobFinishManyResult jobFinishMany(JobFinishManyParams params) {
    List<String> args = new ArrayList<>();
    args.add(Integer.toString(params.results().size()));
    for (JobFinish result : params.results()) {
      String type =
          switch (result) {
            case JobFinish.Completed c -> "completed";
            case JobFinish.Failed f -> "failed";
            case JobFinish.Snoozed s -> "snoozed";
            case JobFinish.Cancelled c -> "cancelled";
            case JobFinish.Released r -> "released";
          };
      List<String> values = new ArrayList<>();
      switch (result) {
        case JobFinish.Completed c -> {
          values.add(Integer.toString(c.followUps().size()));
          String stamp = SidekiqJobs.stamp(c.at());
          for (NewJob followUp : c.followUps()) {
            addInsertFields(values, followUp, c.at(), stamp);
          }
        }
        case JobFinish.Failed f -> {
          values.add(JobColumns.errorJson(f.error()));
          values.add(f.error().errorClass());
          values.add(f.error().message());
          values.add(f.retryAt() == null ? "" : micros(f.retryAt()));
        }
        case JobFinish.Snoozed s -> values.add(micros(s.runAt()));
        case JobFinish.Cancelled c -> values.add(JobColumns.errorJson(c.reason()));
        case JobFinish.Released r -> {}
      }
      args.add(type);
      args.add(Long.toString(result.ref().id()));
      args.add(Integer.toString(result.ref().attempt()));
      args.add(micros(result.at()));
      args.add(Integer.toString(values.size()));
      args.addAll(values);
    }
    return new JobFinishManyResult(ids(scripts.run(Script.FINISH, args)));
  }

  @Override
  public JobHeartbeatResult jobHeartbeat(JobHeartbeatParams params) {
    List<String> args = new ArrayList<>(4 + 2 * params.jobs().size());
    args.add(params.owner());
    args.add(micros(params.now()));
    args.add(micros(params.leaseExpiresAt()));
    args.add(Integer.toString(params.jobs().size()));
    for (JobRef ref : params.jobs()) {
      args.add(Long.toString(ref.id()));
      args.add(Integer.toString(ref.attempt()));
    }
    return new JobHeartbeatResult(ids(scripts.run(Script.HEARTBEAT, args)));
  }

  @Override
  public JobRescueResult jobRescueExpired(JobRescueParams params) {
    List<?> reply =
        (List<?>)
            scripts.run(
                Script.RESCUE, List.of(micros(params.now()), Integer.toString(params.limit())));
    return new JobRescueResult(
        List.copyOf(ids(reply.get(0))).stream().sorted().toList(),
        List.copyOf(ids(reply.get(1))).stream().sorted().toList());
  }

  @Override
  public JobStageResult jobStage(JobStageParams params) {
    List<?> reply =
        (List<?>)
            scripts.run(
                Script.STAGE, List.of(micros(params.now()), Integer.toString(params.limit())));
    Map<String, Integer> staged = new HashMap<>();
    for (int i = 0; i < reply.size(); i += 2) {
      staged.put(text(reply.get(i)), ((Long) reply.get(i + 1)).intValue());
    }
    return new JobStageResult(staged);
  }

  @Override
  public int jobPrune(JobPruneParams params) {
    return ((Long)
            scripts.run(
                Script.PRUNE,
                List.of(
                    micros(params.completedBefore()),
                    micros(params.discardedBefore()),
                    micros(params.cancelledBefore()),
                    Integer.toString(params.limit()))))
        .intValue();
  }

  @Override
  public Optional<JobInfo> jobGet(long id) {
    return job(scripts.run(Script.GET, List.of(Long.toString(id))));
  }

  @Override
  public List<JobInfo> jobList(JobQuery query) {
    if (query.minId() > query.maxId()) {
      return List.of();
    }
    List<String> args = new ArrayList<>();
    args.add(Long.toString(query.minId()));
    args.add(Long.toString(query.maxId()));
    args.add(query.order() == JobOrder.NEWEST_FIRST ? "desc" : "asc");
    args.add(Integer.toString(query.limit()));
    args.add(query.queue() == null ? "" : query.queue());
    args.add(query.kind() == null ? "" : query.kind());
    args.add(Integer.toString(query.states().size()));
    for (JobState state : query.states()) {
      args.add(JobColumns.stateName(state));
    }
    args.add(query.tag() == null ? "" : query.tag());
    for (Map<String, String> conditions : List.of(query.args(), query.metadata())) {
      args.add(Integer.toString(conditions.size()));
      conditions.forEach(
          (key, value) -> {
            args.add(key);
            args.add(value);
          });
    }
    return jobs(scripts.run(Script.LIST, args));
  }

  @Override
  public Optional<JobInfo> jobCancel(JobCancelParams params) {
    return job(
        scripts.run(
            Script.CANCEL,
            List.of(Long.toString(params.id()), micros(params.now()), params.reason())));
  }

  @Override
  public Optional<JobInfo> jobRetry(JobRetryParams params) {
    return job(
        scripts.run(Script.RETRY, List.of(Long.toString(params.id()), micros(params.now()))));
  }

  @Override
  public JobEdges jobEdges(JobEdgesParams params) {
    List<?> reply =
        (List<?>)
            scripts.run(
                Script.EDGES,
                List.of(Long.toString(params.id()), Integer.toString(params.limit() + 1)));
    return JobEdges.fromOneExtra(
        longs((List<?>) reply.get(0)), longs((List<?>) reply.get(1)), params.limit());
  }

  private static List<Long> longs(List<?> reply) {
    List<Long> ids = new ArrayList<>(reply.size());
    for (Object id : reply) {
      ids.add((Long) id);
    }
    return ids;
  }

  @Override
  public boolean jobDelete(JobDeleteParams params) {
    return (Long)
            scripts.run(Script.DELETE, List.of(Long.toString(params.id()), micros(params.now())))
        == 1L;
  }

  @Override
  public void queuePause(String queue) {
    wrap(() -> redis.sadd(prefix + "errand:paused", queue));
  }

  @Override
  public void queueResume(String queue) {
    wrap(
        () -> {
          redis.srem(prefix + "errand:paused", queue);
          redis.publish(availableChannel(), queue);
        });
  }

  @Override
  public List<QueueInfo> queueList() {
    List<?> reply = (List<?>) scripts.run(Script.QUEUES, List.of());
    List<QueueInfo> queues = new ArrayList<>(reply.size());
    for (Object entry : reply) {
      List<?> queue = (List<?>) entry;
      Map<JobState, Long> counts = new EnumMap<>(JobState.class);
      List<?> flat = (List<?>) queue.get(2);
      for (int i = 0; i + 1 < flat.size(); i += 2) {
        long count = Long.parseLong(text(flat.get(i + 1)));
        if (count > 0) {
          counts.put(JobColumns.state(text(flat.get(i))), count);
        }
      }
      boolean paused = (Long) queue.get(1) == 1L;
      // Listed while it holds jobs or is paused, as every store lists queues.
      if (paused || !counts.isEmpty()) {
        queues.add(new QueueInfo(text(queue.get(0)), paused, counts));
      }
    }
    return queues;
  }

  @Override
  public boolean leaderElect(LeaderElectParams params) {
    return (Long)
            scripts.run(
                Script.LEADER_ELECT,
                List.of(
                    params.name(),
                    params.owner(),
                    micros(params.now()),
                    micros(params.expiresAt())))
        == 1L;
  }

  @Override
  public void leaderResign(LeaderResignParams params) {
    scripts.run(Script.LEADER_RESIGN, List.of(params.name(), params.owner()));
  }

  @Override
  public void nodeReport(NodeReportParams params) {
    scripts.run(
        Script.NODE_REPORT,
        List.of(
            params.nodeId(),
            NodeColumns.queuesJson(params.queues()),
            NodeColumns.kindsJson(params.kinds()),
            micros(params.startedAt()),
            micros(params.now()),
            micros(params.expiresAt()),
            NodeColumns.detailsJson(params.leader(), params.periodicJobs(), params.attempts())));
  }

  @Override
  public void nodeRemove(NodeRemoveParams params) {
    scripts.run(Script.NODE_REMOVE, List.of(params.nodeId()));
  }

  @Override
  public List<NodeInfo> nodeList(NodeListParams params) {
    List<?> reply = (List<?>) scripts.run(Script.NODE_LIST, List.of(micros(params.now())));
    List<NodeInfo> nodes = new ArrayList<>(reply.size());
    for (Object entry : reply) {
      List<?> node = (List<?>) entry;
      List<?> flat = (List<?>) node.get(1);
      Map<String, String> f = new HashMap<>();
      for (int i = 0; i + 1 < flat.size(); i += 2) {
        f.put(text(flat.get(i)), text(flat.get(i + 1)));
      }
      NodeColumns.Details details = NodeColumns.details(f.getOrDefault("details", "{}"));
      nodes.add(
          new NodeInfo(
              text(node.get(0)),
              NodeColumns.queues(f.get("queues")),
              NodeColumns.kinds(f.get("kinds")),
              JobFields.instant(f.get("started_at")),
              JobFields.instant(f.get("reported_at")),
              JobFields.instant(f.get("expires_at")),
              details.leader(),
              details.periodicJobs(),
              details.attempts()));
    }
    return nodes;
  }

  @Override
  public int nodePrune(NodePruneParams params) {
    return ((Long) scripts.run(Script.NODE_PRUNE, List.of(micros(params.now())))).intValue();
  }

  @Override
  public void close() {
    notifier.close();
    redis.close();
  }

  private static List<JobInfo> jobs(Object reply) {
    List<?> list = (List<?>) reply;
    List<JobInfo> jobs = new ArrayList<>(list.size());
    for (Object entry : list) {
      List<?> flat = (List<?>) entry;
      jobs.add(JobFields.read(JobFields.id(flat), flat));
    }
    return jobs;
  }

  private static Optional<JobInfo> job(Object reply) {
    List<?> flat = (List<?>) reply;
    return flat.isEmpty()
        ? Optional.empty()
        : Optional.of(JobFields.read(JobFields.id(flat), flat));
  }

  private static Set<Long> ids(Object reply) {
    Set<Long> ids = new HashSet<>();
    for (Object id : (List<?>) reply) {
      ids.add((Long) id);
    }
    return ids;
  }

  private static String text(Object reply) {
    return reply instanceof byte[] bytes
        ? new String(bytes, java.nio.charset.StandardCharsets.UTF_8)
        : reply.toString();
  }

  private static void wrap(Runnable call) {
    try {
      call.run();
    } catch (JedisException e) {
      throw new dev.errand.StoreException("Redis failed: " + e.getMessage(), e);
    }
  }
}
