package dev.errand.postgres.multiprocess;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * PostgreSQL stops for a few seconds in the middle of a run and comes back with its data: the
 * worker processes ride it out without being restarted, reconnect, and finish every job exactly
 * once, without spinning or flooding their logs meanwhile.
 *
 * <p>The server is a {@link PrivatePostgres}, stopped and started again on the same data directory:
 * the shared server other tests use is never touched.
 */
class DatabaseRestartTest {
  private static final int JOBS = 20_000;
  private static final Duration OUTAGE = Duration.ofSeconds(3);

  /**
   * Longer than the outage and the reconnection after it: leases must survive the outage, or the
   * jobs whose results could not be written in time would be rescued and run a second time (which
   * is the at-least-once promise, not the exactly-once this test checks).
   */
  private static final Duration LEASE = Duration.ofSeconds(20);

  /** A log event starts with the time, as in logback-test.xml; stack trace lines do not. */
  private static final Pattern LOG_EVENT = Pattern.compile("^\\d\\d:\\d\\d:\\d\\d\\.\\d{3} .*");

  private PrivatePostgres postgres;
  private Cluster cluster;

  @AfterEach
  void tearDown() throws IOException {
    try {
      if (cluster != null) {
        cluster.close();
      }
    } finally {
      if (postgres != null) {
        postgres.close();
      }
    }
  }

  @Test
  void workersRideOutADatabaseRestartAndRunEveryJobOnce() throws Exception {
    long start = System.nanoTime();
    postgres = PrivatePostgres.start();
    cluster = new Cluster(postgres.url(), "errand_mp_restart");
    String job = cluster.table("job");
    String execution = cluster.table(Cluster.EXECUTION_TABLE);
    List<NodeProcess> nodes =
        Stream.of("r1", "r2")
            .map(name -> cluster.startNodeAsync(name, 16, LEASE, Duration.ofSeconds(2), "noop"))
            .toList();
    nodes.forEach(cluster::awaitReady);

    cluster.enqueue(JOBS, 5_000);
    await("a quarter of the jobs run")
        .atMost(Duration.ofSeconds(60))
        .pollInterval(Duration.ofMillis(100))
        .until(() -> cluster.queryLong("SELECT count(*) FROM " + execution) >= JOBS / 4);

    List<Integer> linesBefore = nodes.stream().map(node -> node.lines().size()).toList();
    long done = cluster.queryLong("SELECT count(*) FROM " + execution);
    // The times compared with the nodes' rows are the database's, as theirs are.
    Instant stoppedAt = cluster.databaseNow();
    postgres.stop();
    long stopped = System.nanoTime();
    // The outage itself: the nodes are not waited on here, they are left without a database. Its
    // first second lets the nodes notice; the CPU they burn in the rest is what a busy loop shows.
    Thread.sleep(1_000);
    List<Duration> cpuBefore = nodes.stream().map(NodeProcess::cpuTime).toList();
    Thread.sleep(OUTAGE.toMillis() - 1_000);
    List<Duration> cpuDuringOutage = new ArrayList<>();
    for (int i = 0; i < nodes.size(); i++) {
      cpuDuringOutage.add(nodes.get(i).cpuTime().minus(cpuBefore.get(i)));
    }
    assertThat(nodes).allMatch(NodeProcess::isAlive);
    postgres.restart();
    long restarted = System.nanoTime();
    Instant restartedAt = cluster.databaseNow();

    cluster.awaitAllFinished(Duration.ofMinutes(2), nodes);
    long finished = System.nanoTime();
    // Each node's LISTEN connection came back too (wake-ups work again, not only polling).
    await("every node listening again")
        .atMost(Duration.ofSeconds(30))
        .pollInterval(Duration.ofMillis(200))
        .until(
            () ->
                cluster.queryLong(
                        "SELECT count(DISTINCT application_name) FROM pg_stat_activity"
                            + " WHERE query LIKE 'LISTEN %' AND application_name LIKE 'errand-mp-r_'")
                    == nodes.size());
    List<List<String>> afterRestart =
        cluster.queryRows(
            "SELECT node, count(*) FROM "
                + execution
                + " WHERE started_at > '"
                + restartedAt
                + "'::timestamptz GROUP BY node ORDER BY node");
    List<List<String>> logs = new ArrayList<>();
    for (int i = 0; i < nodes.size(); i++) {
      List<String> lines = nodes.get(i).lines();
      List<String> since = lines.subList(linesBefore.get(i), lines.size());
      logs.add(
          List.of(
              nodes.get(i).name(),
              Long.toString(since.stream().filter(l -> LOG_EVENT.matcher(l).matches()).count()),
              Integer.toString(since.size())));
    }
    for (NodeProcess node : nodes) {
      assertThat(node.stop(Duration.ofSeconds(20))).as("exit code of " + node.name()).isZero();
    }

    assertThat(cluster.queryLong("SELECT count(*) FROM " + job + " WHERE state = 'completed'"))
        .isEqualTo(JOBS);
    assertThat(cluster.queryLong("SELECT count(DISTINCT job_id) FROM " + execution))
        .isEqualTo(JOBS);
    assertThat(
            cluster.queryRows(
                "SELECT job_id, count(*) FROM "
                    + execution
                    + " GROUP BY job_id HAVING count(*) <> 1 LIMIT 10"))
        .as("job ids executed other than once")
        .isEmpty();
    // Both processes recovered by themselves and went on working.
    assertThat(afterRestart)
        .extracting(row -> row.get(0))
        .as("nodes that ran jobs after the restart")
        .containsExactly("r1", "r2");
    // Each loop logs its first failure with the stack trace (some 50 lines), then one line at
    // each doubling of its failure count: the output grows with the number of loops and the log of
    // the outage's length, not with the retries.
    assertThat(logs)
        .as("log events and lines of each node from the outage on")
        .allSatisfy(
            row -> {
              assertThat(Integer.parseInt(row.get(1))).as("events").isLessThan(100);
              assertThat(Integer.parseInt(row.get(2))).as("lines").isLessThan(1_000);
            });
    assertThat(cpuDuringOutage)
        .as("CPU each node used in the last %s of the outage", OUTAGE.minusSeconds(1))
        .allSatisfy(cpu -> assertThat(cpu).isLessThan(Duration.ofMillis(500)));

    long retried =
        cluster.queryLong("SELECT coalesce(sum(jsonb_array_length(errors)), 0) FROM " + job);
    System.out.printf(
        "DatabaseRestartTest: %,d jobs on %d processes; %,d done when PostgreSQL stopped at %s"
            + " for %d ms; %,d attempts failed during the outage and were retried; runs after"
            + " the restart %s; log events/lines from the outage on %s; CPU in the outage %s;"
            + " all finished %d ms after the restart; total %d ms%n",
        JOBS,
        nodes.size(),
        done,
        stoppedAt,
        (restarted - stopped) / 1_000_000,
        retried,
        afterRestart,
        logs,
        cpuDuringOutage,
        (finished - restarted) / 1_000_000,
        (System.nanoTime() - start) / 1_000_000);
  }
}
