package dev.errand.postgres.multiprocess;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import dev.errand.Config;
import dev.errand.EnqueueOptions;
import dev.errand.Errand;
import dev.errand.Job;
import dev.errand.JobArgs;
import dev.errand.Outcome;
import dev.errand.PeriodicJob;
import dev.errand.Schedule;
import dev.errand.Worker;
import dev.errand.postgres.PostgresStore;
import java.io.OutputStream;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import javax.sql.DataSource;

/**
 * One Errand node in a JVM of its own, for the multi-process tests: works {@link #QUEUE} on a
 * {@link PostgresStore} and records every execution of a {@link Work} job in the schema's {@code
 * execution} table ({@link Cluster#EXECUTION_TABLE}), so that the test counts runs per job id.
 *
 * <p>Arguments, all {@code --name=value}: {@code url}, {@code schema}, {@code node} (its node id),
 * {@code concurrency}, {@code pool} (connections), {@code lease-ms}, {@code heartbeat-ms} and
 * {@code work}: {@code noop} records a finished execution in one insert; {@code gate} inserts the
 * execution when it starts, waits until the schema's {@code gate} row is open, then marks it
 * finished. Whatever {@code work}, {@link Block} jobs run until interrupted, see {@link
 * BlockingWorker}. Optional: {@code periodic-s}, an interval in seconds: the node also declares a
 * periodic {@link Tick} job on that schedule, in {@link #QUEUE} and completed at once, and prints
 * {@code LEADER <node>} whenever it becomes the maintenance leader (the one that enqueues the
 * slots), {@code FOLLOWER <node>} when it stops being it. {@code clock-offset-ms}: the node's clock
 * reads that many milliseconds off the host's (negative: behind), as on a host whose clock is
 * wrong.
 *
 * <p>Prints {@code READY <node>} once working. Stops gracefully (running jobs drain, then are
 * released) when its standard input closes, which also happens when the test JVM dies, or on
 * SIGTERM; prints {@code STOPPED <node>} then.
 */
public final class WorkerNode {
  /** The queue every node works. */
  public static final String QUEUE = "mp";

  /** The longest a gated job waits for its gate; it fails after that rather than hang forever. */
  static final Duration GATE_LIMIT = Duration.ofSeconds(90);

  private static final Duration GATE_POLL = Duration.ofMillis(100);

  private WorkerNode() {}

  /** The args of every job in these tests. */
  public record Work(int n) implements JobArgs {
    @Override
    public String kind() {
      return "mp_work";
    }
  }

  /** The args of the periodic job, when the node declares one. */
  public record Tick() implements JobArgs {
    @Override
    public String kind() {
      return "mp_tick";
    }
  }

  /**
   * The args of a job that runs until it is interrupted ({@link BlockingWorker}), for at most
   * {@link #GATE_LIMIT}.
   */
  public record Block(int n) implements JobArgs {
    @Override
    public String kind() {
      return "mp_block";
    }
  }

  /** The args of a batch's callback: it records how the batch's members ended. */
  public record BatchDone(String batch) implements JobArgs {
    @Override
    public String kind() {
      return "mp_batch_done";
    }
  }

  public static void main(String[] argv) throws Exception {
    Map<String, String> args = parse(argv);
    String node = args.get("node");
    String schema = args.get("schema");
    HikariConfig hikari = new HikariConfig();
    String url = args.get("url");
    hikari.setJdbcUrl(url + (url.contains("?") ? "&" : "?") + "ApplicationName=errand-mp-" + node);
    hikari.setMaximumPoolSize(Integer.parseInt(args.get("pool")));
    hikari.setPoolName("node-" + node);
    // Short, so that a database outage surfaces as failures in Errand's loops (which must back off
    // and log sparingly) instead of every call just waiting inside the pool.
    hikari.setConnectionTimeout(2_000);
    try (HikariDataSource dataSource = new HikariDataSource(hikari)) {
      PostgresStore store = PostgresStore.builder(dataSource).schema(schema).build();
      Config.Builder builder =
          Config.builder(store)
              .nodeId(node)
              .queue(QUEUE, Integer.parseInt(args.get("concurrency")))
              .worker(
                  "mp_work",
                  Work.class,
                  new RecordingWorker(dataSource, schema, node, args.get("work")))
              .worker(
                  "mp_batch_done", BatchDone.class, new CallbackWorker(dataSource, schema, node))
              .worker("mp_block", Block.class, new BlockingWorker(dataSource, schema, node))
              .leaseDuration(Duration.ofMillis(Long.parseLong(args.get("lease-ms"))))
              // A killed node may be the maintenance leader: let its term end as fast as its
              // leases.
              .leaderLease(Duration.ofMillis(Long.parseLong(args.get("lease-ms"))))
              .heartbeatInterval(Duration.ofMillis(Long.parseLong(args.get("heartbeat-ms"))))
              .pollInterval(Duration.ofMillis(500))
              .stageInterval(Duration.ofMillis(200))
              .rescueInterval(Duration.ofMillis(500))
              .shutdownTimeout(Duration.ofSeconds(5));
      long clockOffsetMs = Long.parseLong(args.getOrDefault("clock-offset-ms", "0"));
      if (clockOffsetMs != 0) {
        builder.clock(Clock.offset(Clock.systemUTC(), Duration.ofMillis(clockOffsetMs)));
      }
      int periodicSeconds = Integer.parseInt(args.getOrDefault("periodic-s", "0"));
      if (periodicSeconds > 0) {
        builder
            .worker("mp_tick", Tick.class, job -> Outcome.complete())
            .periodic(
                PeriodicJob.of(Schedule.every(Duration.ofSeconds(periodicSeconds)), new Tick())
                    .options(EnqueueOptions.defaults().queue(QUEUE)));
      }
      Errand errand = Errand.create(builder.build()).start();
      if (periodicSeconds > 0) {
        Thread.ofPlatform()
            .daemon()
            .name("leader-watch")
            .start(() -> watchLeadership(errand, node));
      }
      Runtime.getRuntime().addShutdownHook(new Thread(errand::close, "stop-on-sigterm"));
      System.out.println("READY " + node);
      System.out.flush();
      System.in.transferTo(OutputStream.nullOutputStream());
      errand.close();
      store.close();
      System.out.println("STOPPED " + node);
    }
  }

  /**
   * Prints {@code LEADER <node>} each time this node becomes the leader, FOLLOWER when it stops.
   */
  private static void watchLeadership(Errand errand, String node) {
    boolean leading = false;
    while (true) {
      boolean now = errand.isLeader();
      if (now != leading) {
        System.out.println((now ? "LEADER " : "FOLLOWER ") + node);
        System.out.flush();
      }
      leading = now;
      try {
        Thread.sleep(20);
      } catch (InterruptedException e) {
        return;
      }
    }
  }

  private static Map<String, String> parse(String[] argv) {
    Map<String, String> args = new HashMap<>();
    for (String arg : argv) {
      int eq = arg.indexOf('=');
      if (!arg.startsWith("--") || eq < 0) {
        throw new IllegalArgumentException("expected --name=value, got " + arg);
      }
      args.put(arg.substring(2, eq), arg.substring(eq + 1));
    }
    List<String> missing = new ArrayList<>();
    for (String name :
        List.of(
            "url", "schema", "node", "concurrency", "pool", "lease-ms", "heartbeat-ms", "work")) {
      if (!args.containsKey(name)) {
        missing.add(name);
      }
    }
    if (!missing.isEmpty()) {
      throw new IllegalArgumentException("missing arguments: " + missing);
    }
    return args;
  }

  /**
   * Records each run of a batch callback, with the counts it saw, in {@link
   * Cluster#CALLBACK_TABLE}.
   */
  private record CallbackWorker(DataSource dataSource, String schema, String node)
      implements Worker<BatchDone> {
    @Override
    public Outcome work(Job<BatchDone> job) throws Exception {
      try (Connection c = dataSource.getConnection();
          PreparedStatement ps =
              c.prepareStatement(
                  "INSERT INTO "
                      + schema
                      + "."
                      + Cluster.CALLBACK_TABLE
                      + " (job_id, node, waiting, completed, discarded, cancelled)"
                      + " VALUES (?, ?, ?, ?, ?, ?)")) {
        ps.setLong(1, job.id());
        ps.setString(2, node);
        ps.setInt(3, job.dependencies().waiting());
        ps.setInt(4, job.dependencies().completed());
        ps.setInt(5, job.dependencies().discarded());
        ps.setInt(6, job.dependencies().cancelled());
        ps.executeUpdate();
      }
      return Outcome.complete();
    }
  }

  /**
   * Inserts the execution when it starts, then waits to be interrupted; records the interruption in
   * {@link Cluster#INTERRUPTION_TABLE} and returns {@link Outcome#complete()}, which a cancellation
   * must make the node ignore. Fails if no interruption comes within {@link #GATE_LIMIT}.
   */
  private record BlockingWorker(DataSource dataSource, String schema, String node)
      implements Worker<Block> {
    @Override
    public Outcome work(Job<Block> job) throws Exception {
      insert(Cluster.EXECUTION_TABLE, "started_at", job);
      try {
        Thread.sleep(GATE_LIMIT);
      } catch (InterruptedException e) {
        insert(Cluster.INTERRUPTION_TABLE, "at", job);
        return Outcome.complete();
      }
      throw new IllegalStateException("not interrupted within " + GATE_LIMIT);
    }

    private void insert(String table, String timeColumn, Job<Block> job) throws SQLException {
      execute(
          dataSource,
          "INSERT INTO "
              + schema
              + "."
              + table
              + " (job_id, attempt, node, "
              + timeColumn
              + ") VALUES (?, ?, ?, clock_timestamp())",
          job,
          node);
    }
  }

  /** Runs {@code sql} with the job's id, its attempt and {@code node} bound; returns its count. */
  private static int execute(DataSource dataSource, String sql, Job<?> job, String node)
      throws SQLException {
    try (Connection c = dataSource.getConnection();
        PreparedStatement ps = c.prepareStatement(sql)) {
      ps.setLong(1, job.id());
      ps.setInt(2, job.attempt());
      ps.setString(3, node);
      return ps.executeUpdate();
    }
  }

  /** Records each execution it runs; see the class comment. */
  private static final class RecordingWorker implements Worker<Work> {
    private final DataSource dataSource;
    private final String node;
    private final boolean gated;
    private final String insertFinished;
    private final String insertStarted;
    private final String markFinished;
    private final String gateOpen;

    RecordingWorker(DataSource dataSource, String schema, String node, String work) {
      this.dataSource = dataSource;
      this.node = node;
      this.gated =
          switch (work) {
            case "noop" -> false;
            case "gate" -> true;
            default -> throw new IllegalArgumentException("work must be noop or gate: " + work);
          };
      String table = schema + "." + Cluster.EXECUTION_TABLE;
      this.insertFinished =
          "INSERT INTO "
              + table
              + " (job_id, attempt, node, started_at, finished_at)"
              + " VALUES (?, ?, ?, clock_timestamp(), clock_timestamp())";
      this.insertStarted =
          "INSERT INTO "
              + table
              + " (job_id, attempt, node, started_at) VALUES (?, ?, ?, clock_timestamp())";
      this.markFinished =
          "UPDATE "
              + table
              + " SET finished_at = clock_timestamp() WHERE job_id = ? AND attempt = ? AND node = ?";
      this.gateOpen = "SELECT open FROM " + schema + "." + Cluster.GATE_TABLE;
    }

    @Override
    public Outcome work(Job<Work> job) throws Exception {
      if (!gated) {
        execute(insertFinished, job);
        return Outcome.complete();
      }
      execute(insertStarted, job);
      long deadline = System.nanoTime() + GATE_LIMIT.toNanos();
      while (!isGateOpen()) {
        if (System.nanoTime() > deadline) {
          throw new IllegalStateException("the gate stayed closed for " + GATE_LIMIT);
        }
        Thread.sleep(GATE_POLL);
      }
      if (execute(markFinished, job) != 1) {
        throw new IllegalStateException("no started execution of " + job + " on " + node);
      }
      return Outcome.complete();
    }

    private int execute(String sql, Job<Work> job) throws SQLException {
      return WorkerNode.execute(dataSource, sql, job, node);
    }

    private boolean isGateOpen() throws SQLException {
      try (Connection c = dataSource.getConnection();
          PreparedStatement ps = c.prepareStatement(gateOpen);
          ResultSet rs = ps.executeQuery()) {
        return rs.next() && rs.getBoolean(1);
      }
    }
  }
}
