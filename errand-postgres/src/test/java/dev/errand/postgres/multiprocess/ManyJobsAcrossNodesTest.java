package dev.errand.postgres.multiprocess;

import static org.assertj.core.api.Assertions.assertThat;

import dev.errand.postgres.TestDatabase;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Three worker processes share one queue of {@value #JOBS} jobs: every job runs exactly once, on
 * exactly one node, and every node does a share. The count is per job id, in a table the workers
 * write themselves, not Errand's own bookkeeping.
 */
class ManyJobsAcrossNodesTest {
  private static final int JOBS = 100_000;
  private static final int BATCH = 5_000;
  private static final List<String> NODES = List.of("n1", "n2", "n3");

  private Cluster cluster;

  @AfterEach
  void tearDown() {
    if (cluster != null) {
      cluster.close();
    }
  }

  @Test
  void everyJobRunsExactlyOnceAcrossThreeProcesses() throws Exception {
    long start = System.nanoTime();
    cluster = new Cluster(TestDatabase.url(), "errand_mp_many");
    // No lease expires in this run: a job runs twice only if something is wrong.
    List<NodeProcess> nodes =
        NODES.stream()
            .map(
                name ->
                    cluster.startNodeAsync(
                        name, 32, Duration.ofSeconds(30), Duration.ofSeconds(5), "noop"))
            .toList();
    nodes.forEach(cluster::awaitReady);
    long ready = System.nanoTime();

    cluster.enqueue(JOBS, BATCH);
    long enqueued = System.nanoTime();
    cluster.awaitAllFinished(Duration.ofMinutes(3), nodes);
    long finished = System.nanoTime();
    for (NodeProcess node : nodes) {
      assertThat(node.stop(Duration.ofSeconds(20))).as("exit code of " + node.name()).isZero();
    }

    String job = cluster.table("job");
    String execution = cluster.table(Cluster.EXECUTION_TABLE);
    assertThat(cluster.queryLong("SELECT count(*) FROM " + job)).isEqualTo(JOBS);
    assertThat(
            cluster.queryLong(
                "SELECT count(*) FROM " + job + " WHERE state = 'completed' AND attempt = 1"))
        .as("jobs completed at their first attempt")
        .isEqualTo(JOBS);
    assertThat(cluster.queryLong("SELECT count(*) FROM " + execution))
        .as("executions")
        .isEqualTo(JOBS);
    assertThat(cluster.queryLong("SELECT count(DISTINCT job_id) FROM " + execution))
        .as("distinct job ids executed")
        .isEqualTo(JOBS);
    assertThat(
            cluster.queryRows(
                "SELECT job_id, count(*) FROM "
                    + execution
                    + " GROUP BY job_id HAVING count(*) <> 1 LIMIT 10"))
        .as("job ids executed other than once")
        .isEmpty();
    assertThat(
            cluster.queryLong(
                "SELECT count(*) FROM "
                    + job
                    + " j WHERE NOT EXISTS (SELECT 1 FROM "
                    + execution
                    + " e WHERE e.job_id = j.id AND e.attempt = 1 AND e.finished_at IS NOT NULL)"))
        .as("jobs without a finished first execution")
        .isZero();

    List<List<String>> shares =
        cluster.queryRows(
            "SELECT node, count(*) FROM " + execution + " GROUP BY node ORDER BY node");
    assertThat(shares).extracting(row -> row.get(0)).containsExactlyElementsOf(NODES);
    // Each node got enough of the run to show it competed for the whole of it, not a few batches.
    assertThat(shares)
        .allSatisfy(row -> assertThat(Long.parseLong(row.get(1))).isGreaterThan(JOBS / 100));

    System.out.printf(
        "ManyJobsAcrossNodesTest: %,d jobs on %d processes, shares %s; nodes ready in %d ms,"
            + " enqueued in %d ms, all run in %d ms (%,.0f jobs/s); total %d ms%n",
        JOBS,
        nodes.size(),
        shares,
        millis(start, ready),
        millis(ready, enqueued),
        millis(ready, finished),
        JOBS / ((finished - ready) / 1e9),
        millis(start, System.nanoTime()));
  }

  private static long millis(long from, long to) {
    return (to - from) / 1_000_000;
  }
}
