package dev.errand.postgres.multiprocess;

import static org.assertj.core.api.Assertions.assertThat;

import dev.errand.BatchEnqueued;
import dev.errand.postgres.TestDatabase;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * A batch of {@value #MEMBERS} jobs worked by three processes: its callback runs exactly once,
 * after every member, and sees all of them completed. The members' last completions land on
 * different nodes at nearly the same moment, which is the race the callback must survive.
 */
class BatchAcrossNodesTest {
  private static final int MEMBERS = 1_000;
  private static final List<String> NODES = List.of("n1", "n2", "n3");

  private Cluster cluster;

  @AfterEach
  void tearDown() {
    if (cluster != null) {
      cluster.close();
    }
  }

  @Test
  void theCallbackRunsOnceWhenEveryMemberFinishedOnThreeProcesses() throws Exception {
    cluster = new Cluster(TestDatabase.url(), "errand_mp_batch");
    List<NodeProcess> nodes =
        NODES.stream()
            .map(
                name ->
                    cluster.startNodeAsync(
                        name, 8, Duration.ofSeconds(30), Duration.ofSeconds(5), "noop"))
            .toList();
    nodes.forEach(cluster::awaitReady);

    BatchEnqueued batch = cluster.enqueueBatch(MEMBERS, "tickets");
    cluster.awaitAllFinished(Duration.ofMinutes(2), nodes);
    for (NodeProcess node : nodes) {
      assertThat(node.stop(Duration.ofSeconds(20))).as("exit code of " + node.name()).isZero();
    }

    String job = cluster.table("job");
    String execution = cluster.table(Cluster.EXECUTION_TABLE);
    assertThat(cluster.queryLong("SELECT count(*) FROM " + execution)).isEqualTo(MEMBERS);
    assertThat(cluster.queryLong("SELECT count(DISTINCT job_id) FROM " + execution))
        .isEqualTo(MEMBERS);
    assertThat(cluster.queryRows("SELECT DISTINCT node FROM " + execution + " ORDER BY node"))
        .as("nodes that ran members")
        .extracting(row -> row.get(0))
        .containsExactlyElementsOf(NODES);
    assertThat(
            cluster.queryRows(
                "SELECT job_id, waiting, completed, discarded, cancelled FROM "
                    + cluster.table(Cluster.CALLBACK_TABLE)))
        .as("callback runs")
        .containsExactly(List.of(Long.toString(batch.callbackId()), "0", "1000", "0", "0"));
    assertThat(
            cluster.queryLong(
                "SELECT count(*) FROM "
                    + job
                    + " WHERE id = "
                    + batch.callbackId()
                    + " AND state = 'completed' AND attempt = 1"))
        .isEqualTo(1);
    // The callback's attempt started after the last member finished.
    assertThat(
            cluster.queryLong(
                "SELECT count(*) FROM "
                    + job
                    + " m, "
                    + job
                    + " cb WHERE cb.id = "
                    + batch.callbackId()
                    + " AND m.id <> cb.id AND m.finalized_at > cb.attempted_at"))
        .isZero();
    assertThat(cluster.queryLong("SELECT count(*) FROM " + cluster.table("job_dependency")))
        .as("dependency rows left")
        .isZero();
  }
}
