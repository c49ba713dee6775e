package dev.errand.postgres.multiprocess;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.zaxxer.hikari.HikariDataSource;
import dev.errand.BatchEnqueued;
import dev.errand.Config;
import dev.errand.EnqueueOptions;
import dev.errand.Errand;
import dev.errand.postgres.PostgresStore;
import dev.errand.postgres.TestDatabase;
import dev.errand.postgres.multiprocess.WorkerNode.Work;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.awaitility.core.ConditionTimeoutException;

/**
 * One test's world: a fresh schema with Errand's tables plus the {@code execution}, {@code gate}
 * and {@code interruption} tables the {@link WorkerNode}s write, the worker node processes, and an
 * insert-only Errand that enqueues. {@link #close()} kills every node still running and drops the
 * schema.
 */
final class Cluster implements AutoCloseable {
  /** One row per execution of a job's worker: who ran which attempt, when it started and ended. */
  static final String EXECUTION_TABLE = "execution";

  /** One row per run of a batch callback ({@link WorkerNode.BatchDone}), with its counts. */
  static final String CALLBACK_TABLE = "batch_callback";

  /** One row per interrupted run of a {@link WorkerNode.Block} job: who saw it, and when. */
  static final String INTERRUPTION_TABLE = "interruption";

  /** One row; gated jobs wait while {@code open} is false. */
  static final String GATE_TABLE = "gate";

  private static final Duration READY_TIMEOUT = Duration.ofSeconds(60);

  private final String url;
  private final String schema;
  private final HikariDataSource pool;
  private final Path outputDir;
  private final List<NodeProcess> nodes = new ArrayList<>();
  private final Errand client;

  Cluster(String url, String schemaPrefix) {
    this.url = url;
    this.schema = TestDatabase.newSchema(schemaPrefix);
    // A test that fails while its database is down should not wait 30 s more in its clean-up.
    this.pool = TestDatabase.newPool(url, 3, Duration.ofSeconds(5));
    try {
      // Under target/, kept after the run: the nodes' logs are what explains a failure.
      this.outputDir = Files.createDirectories(Path.of("target", "multiprocess", schema));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    PostgresStore store = PostgresStore.builder(pool).schema(schema).listen(false).build();
    store.migrate();
    update(
        "CREATE TABLE "
            + schema
            + "."
            + EXECUTION_TABLE
            + " (job_id bigint NOT NULL, attempt int NOT NULL, node text NOT NULL,"
            + " started_at timestamptz NOT NULL, finished_at timestamptz)");
    update("CREATE TABLE " + schema + "." + GATE_TABLE + " (open boolean NOT NULL)");
    update(
        "CREATE TABLE "
            + schema
            + "."
            + CALLBACK_TABLE
            + " (job_id bigint NOT NULL, node text NOT NULL, waiting int NOT NULL,"
            + " completed int NOT NULL, discarded int NOT NULL, cancelled int NOT NULL)");
    update(
        "CREATE TABLE "
            + schema
            + "."
            + INTERRUPTION_TABLE
            + " (job_id bigint NOT NULL, attempt int NOT NULL, node text NOT NULL,"
            + " at timestamptz NOT NULL)");
    update("INSERT INTO " + schema + "." + GATE_TABLE + " VALUES (false)");
    this.client = Errand.create(Config.builder(store).build());
  }

  /** This cluster's schema. */
  String schema() {
    return schema;
  }

  /** The insert-only Errand this cluster enqueues with, for tests that enqueue in other ways. */
  Errand client() {
    return client;
  }

  /** The table name qualified with this cluster's schema. */
  String table(String name) {
    return schema + "." + name;
  }

  /**
   * Starts a node and waits until it works.
   *
   * @param work {@code noop} or {@code gate}, see {@link WorkerNode}
   */
  NodeProcess startNode(
      String name, int concurrency, Duration lease, Duration heartbeat, String work) {
    NodeProcess node = startNodeAsync(name, concurrency, lease, heartbeat, work);
    node.awaitReady(READY_TIMEOUT);
    return node;
  }

  /** Starts a node without waiting for it; call {@link NodeProcess#awaitReady(Duration)}. */
  NodeProcess startNodeAsync(
      String name, int concurrency, Duration lease, Duration heartbeat, String work) {
    return startNodeAsync(name, concurrency, lease, heartbeat, work, Map.of());
  }

  /** {@link #startNodeAsync} with more {@link WorkerNode} arguments, such as {@code periodic-s}. */
  NodeProcess startNodeAsync(
      String name,
      int concurrency,
      Duration lease,
      Duration heartbeat,
      String work,
      Map<String, String> more) {
    Map<String, String> args = new LinkedHashMap<>();
    args.put("url", url);
    args.put("schema", schema);
    args.put("node", name);
    args.put("concurrency", Integer.toString(concurrency));
    // The worker holds a connection only for its insert: a few connections serve many slots. At
    // least two: the store's LISTEN keeps one, and a pool of one left the node's loops none.
    args.put("pool", Integer.toString(Math.max(2, Math.min(concurrency, 8))));
    args.put("lease-ms", Long.toString(lease.toMillis()));
    args.put("heartbeat-ms", Long.toString(heartbeat.toMillis()));
    args.put("work", work);
    args.putAll(more);
    List<String> argv = new ArrayList<>();
    args.forEach((k, v) -> argv.add("--" + k + "=" + v));
    NodeProcess node = NodeProcess.start(name, outputDir.resolve(name + ".log"), argv);
    nodes.add(node);
    return node;
  }

  void awaitReady(NodeProcess node) {
    node.awaitReady(READY_TIMEOUT);
  }

  /** Enqueues {@code count} jobs to the nodes' queue, {@code batch} per store call. */
  void enqueue(int count, int batch) {
    EnqueueOptions options = EnqueueOptions.defaults().queue(WorkerNode.QUEUE);
    for (int from = 0; from < count; from += batch) {
      List<Work> jobs = new ArrayList<>(batch);
      for (int i = from; i < Math.min(count, from + batch); i++) {
        jobs.add(new Work(i));
      }
      client.enqueueAll(jobs, options);
    }
  }

  /** Enqueues a batch of {@code members} jobs with a {@link WorkerNode.BatchDone} callback. */
  BatchEnqueued enqueueBatch(int members, String name) {
    EnqueueOptions options = EnqueueOptions.defaults().queue(WorkerNode.QUEUE);
    List<Work> jobs = new ArrayList<>(members);
    for (int i = 0; i < members; i++) {
      jobs.add(new Work(i));
    }
    return client
        .batch()
        .addAll(jobs, options)
        .onFinish(new WorkerNode.BatchDone(name), options)
        .enqueue();
  }

  /**
   * Waits until no job is waiting or running any more, failing early if a node that should run
   * died.
   */
  void awaitAllFinished(Duration timeout, List<NodeProcess> running) {
    String unfinished =
        " FROM " + table("job") + " WHERE state NOT IN ('completed', 'discarded', 'cancelled')";
    try {
      await("every job finished")
          .atMost(timeout)
          .pollInterval(Duration.ofMillis(250))
          .failFast(
              "a worker node died; its output is in " + outputDir.toAbsolutePath(),
              () -> running.stream().anyMatch(node -> !node.isAlive()))
          .until(() -> queryLong("SELECT count(*)" + unfinished) == 0);
    } catch (ConditionTimeoutException e) {
      throw new AssertionError(
          "jobs still unfinished at "
              + databaseNow()
              + " (id, kind, state, attempt, scheduled_at, lease_owner, lease_expires_at): "
              + queryRows(
                  "SELECT id, kind, state, attempt, scheduled_at, lease_owner, lease_expires_at"
                      + unfinished
                      + " ORDER BY id LIMIT 20")
              + "; the nodes' output is in "
              + outputDir.toAbsolutePath(),
          e);
    }
  }

  /** How many slots of the nodes' periodic job ({@link WorkerNode.Tick}) have a job. */
  long periodicSlots() {
    return queryLong(
        "SELECT count(DISTINCT scheduled_at) FROM " + table("job") + " WHERE kind = 'mp_tick'");
  }

  /**
   * Asserts that every slot of the nodes' periodic job, every {@code intervalSeconds}, has exactly
   * one job, from the first slot to the last, none missed; returns how many slots there are.
   */
  int assertEverySlotOnce(int intervalSeconds) {
    List<List<String>> perSlot =
        queryRows(
            "SELECT extract(epoch FROM scheduled_at)::bigint, count(*) FROM "
                + table("job")
                + " WHERE kind = 'mp_tick' GROUP BY 1 ORDER BY 1");
    assertThat(perSlot)
        .as("jobs per slot")
        .allSatisfy(row -> assertThat(row.get(1)).isEqualTo("1"));
    List<Long> slots = perSlot.stream().map(row -> Long.parseLong(row.get(0))).toList();
    for (int i = 1; i < slots.size(); i++) {
      assertThat(slots.get(i) - slots.get(i - 1))
          .as("gap between slots %s and %s of %s", i - 1, i, slots)
          .isEqualTo(intervalSeconds);
    }
    return slots.size();
  }

  /** Opens the gate: gated jobs finish. */
  void openGate() {
    update("UPDATE " + table(GATE_TABLE) + " SET open = true");
  }

  long queryLong(String sql) {
    try (Connection c = pool.getConnection();
        Statement st = c.createStatement();
        ResultSet rs = st.executeQuery(sql)) {
      if (!rs.next()) {
        throw new IllegalStateException("no row from " + sql);
      }
      return rs.getLong(1);
    } catch (SQLException e) {
      throw new IllegalStateException(sql, e);
    }
  }

  /**
   * The database's clock now, {@code clock_timestamp()}: the time to compare with the times the
   * nodes record, which are the database's too. This JVM's clock may be another host's, and off.
   */
  Instant databaseNow() {
    String sql = "SELECT clock_timestamp()";
    try (Connection c = pool.getConnection();
        Statement st = c.createStatement();
        ResultSet rs = st.executeQuery(sql)) {
      if (!rs.next()) {
        throw new IllegalStateException("no row from " + sql);
      }
      return rs.getObject(1, OffsetDateTime.class).toInstant();
    } catch (SQLException e) {
      throw new IllegalStateException(sql, e);
    }
  }

  /** The rows of {@code sql}, each as a list of its columns' values in text form. */
  List<List<String>> queryRows(String sql) {
    try (Connection c = pool.getConnection();
        Statement st = c.createStatement();
        ResultSet rs = st.executeQuery(sql)) {
      List<List<String>> rows = new ArrayList<>();
      int columns = rs.getMetaData().getColumnCount();
      while (rs.next()) {
        List<String> row = new ArrayList<>(columns);
        for (int i = 1; i <= columns; i++) {
          row.add(rs.getString(i));
        }
        rows.add(row);
      }
      return rows;
    } catch (SQLException e) {
      throw new IllegalStateException(sql, e);
    }
  }

  void update(String sql) {
    try (Connection c = pool.getConnection();
        Statement st = c.createStatement()) {
      st.execute(sql);
    } catch (SQLException e) {
      throw new IllegalStateException(sql, e);
    }
  }

  @Override
  public void close() {
    nodes.forEach(NodeProcess::close);
    try {
      update("DROP SCHEMA IF EXISTS " + schema + " CASCADE");
    } finally {
      pool.close();
    }
  }
}
