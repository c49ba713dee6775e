package dev.errand.postgres.multiprocess;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.errand.postgres.TestDatabase;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Three worker JVMs on one PostgreSQL, one with its clock a minute ahead of the host's, one a
 * minute behind, one on time: the experiment that, before nodes computed in the database's time,
 * had the node ahead take the leadership from a live leader and rescue jobs still running
 * elsewhere, the node behind write leases already expired and fetch nothing for a minute, and a
 * leader ahead enqueue periodic slots early. Here every node measures its offset to the database
 * server's clock and corrects for it.
 */
class ClockSkewAcrossProcessesTest {
  private static final Duration LEASE = Duration.ofSeconds(2);
  private static final Duration HEARTBEAT = Duration.ofMillis(300);
  private static final int INTERVAL_S = 2;
  private static final int SLOTS_PER_NODE = 4;

  private Cluster cluster;

  @AfterEach
  void tearDown() {
    if (cluster != null) {
      cluster.close();
    }
  }

  private NodeProcess startNode(String name, Duration clockOffset) {
    return cluster.startNodeAsync(
        name,
        SLOTS_PER_NODE,
        LEASE,
        HEARTBEAT,
        "gate",
        Map.of(
            "periodic-s",
            Integer.toString(INTERVAL_S),
            "clock-offset-ms",
            Long.toString(clockOffset.toMillis())));
  }

  @Test
  void nodesAMinuteOffRunEveryJobOnceUnderOneLeaderAndEnqueueEverySlotOnTime() throws Exception {
    cluster = new Cluster(TestDatabase.url(), "errand_mp_skew");
    // Started first, the node ahead leads: it judges every lease and enqueues the slots.
    NodeProcess ahead = startNode("ahead", Duration.ofSeconds(60));
    cluster.awaitReady(ahead);
    await("the node ahead leads")
        .until(() -> NodeProcess.leaders(List.of(ahead)).equals(List.of(ahead)));
    NodeProcess onTime = startNode("on-time", Duration.ZERO);
    NodeProcess behind = startNode("behind", Duration.ofSeconds(-60));
    cluster.awaitReady(onTime);
    cluster.awaitReady(behind);
    List<NodeProcess> nodes = List.of(ahead, onTime, behind);

    // Jobs that run until the gate opens: every slot of every node holds one.
    cluster.enqueue(3 * SLOTS_PER_NODE, 3 * SLOTS_PER_NODE);
    await("every slot runs a job")
        .atMost(Duration.ofSeconds(60))
        .failFast("a worker node died", () -> nodes.stream().anyMatch(n -> !n.isAlive()))
        .until(() -> executions() == 3 * SLOTS_PER_NODE);
    // The node behind fetched jobs that were due by the database's clock, not a minute later.
    assertThat(
            cluster.queryRows(
                "SELECT node, count(*) FROM "
                    + cluster.table(Cluster.EXECUTION_TABLE)
                    + " GROUP BY node ORDER BY node"))
        .containsExactly(List.of("ahead", "4"), List.of("behind", "4"), List.of("on-time", "4"));

    // Three leases while every job is held: the leader's rescue passes (every 500 ms) find no
    // lease expired, the other nodes' elections find its term running, and no slot is early.
    await("three leases without a rescue, a new leader or an early slot")
        .during(LEASE.multipliedBy(3))
        .atMost(LEASE.multipliedBy(3).plusSeconds(30))
        .until(
            () ->
                executions() == 3 * SLOTS_PER_NODE
                    && rescued() == 0
                    && NodeProcess.leaders(nodes).equals(List.of(ahead))
                    && noSlotAhead());
    assertThat(onTime.lines()).noneMatch(line -> line.startsWith("LEADER "));
    assertThat(behind.lines()).noneMatch(line -> line.startsWith("LEADER "));
    assertThat(cluster.periodicSlots())
        .as("slots enqueued by the leader ahead")
        .isGreaterThanOrEqualTo(2);

    cluster.openGate();
    cluster.awaitAllFinished(Duration.ofSeconds(60), nodes);
    assertThat(rescued()).isZero();
    assertThat(
            cluster.queryLong(
                "SELECT count(*) FROM ("
                    + "SELECT job_id FROM "
                    + cluster.table(Cluster.EXECUTION_TABLE)
                    + " GROUP BY job_id HAVING count(*) > 1) AS twice"))
        .as("jobs run more than once")
        .isZero();

    // The leader ahead hands over: whichever node takes over, the slots go on, none missed,
    // none doubled, none early.
    long slotsAtHandover = cluster.periodicSlots();
    assertThat(ahead.stop(Duration.ofSeconds(20))).as("exit code of ahead").isZero();
    List<NodeProcess> survivors = List.of(onTime, behind);
    await("a new leader and three more slots")
        .atMost(Duration.ofSeconds(60))
        .failFast("a surviving node died", () -> survivors.stream().anyMatch(n -> !n.isAlive()))
        .until(
            () ->
                NodeProcess.leaders(survivors).size() == 1
                    && cluster.periodicSlots() >= slotsAtHandover + 3);
    assertThat(noSlotAhead()).isTrue();
    cluster.assertEverySlotOnce(INTERVAL_S);
  }

  private long executions() {
    return cluster.queryLong("SELECT count(*) FROM " + cluster.table(Cluster.EXECUTION_TABLE));
  }

  /** Work jobs taken back from their node: each rescue leaves an error and a second attempt. */
  private long rescued() {
    return cluster.queryLong(
        "SELECT count(*) FROM "
            + cluster.table("job")
            + " WHERE kind = 'mp_work' AND (attempt > 1 OR errors <> '[]'::jsonb)");
  }

  /**
   * Whether no slot was enqueued for a time still to come by the database's clock. A leader
   * corrects to within half a round trip plus its drift since it measured: far under 500 ms.
   */
  private boolean noSlotAhead() {
    Instant now = cluster.databaseNow();
    List<List<String>> latest =
        cluster.queryRows(
            "SELECT extract(epoch FROM max(scheduled_at)) FROM "
                + cluster.table("job")
                + " WHERE kind = 'mp_tick'");
    String epoch = latest.get(0).get(0);
    return epoch == null
        || Instant.ofEpochMilli(Math.round(Double.parseDouble(epoch) * 1000))
            .isBefore(now.plusMillis(500));
  }
}
