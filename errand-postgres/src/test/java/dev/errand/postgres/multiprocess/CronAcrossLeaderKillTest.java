package dev.errand.postgres.multiprocess;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.errand.postgres.TestDatabase;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Three worker JVMs declare the same periodic job, every {@value #INTERVAL_S} s, more than twice
 * their leader lease. The maintenance leader, which enqueues the slots, is killed with SIGKILL
 * mid-run: another node takes over, and across the handover every slot has exactly one job, none
 * missed, none doubled.
 */
class CronAcrossLeaderKillTest {
  private static final int INTERVAL_S = 3;
  private static final Duration LEASE = Duration.ofSeconds(1);
  private static final Duration HEARTBEAT = Duration.ofMillis(300);
  private static final List<String> NODES = List.of("c1", "c2", "c3");

  private Cluster cluster;

  @AfterEach
  void tearDown() {
    if (cluster != null) {
      cluster.close();
    }
  }

  @Test
  void everySlotHasOneJobAcrossAKilledLeader() throws Exception {
    cluster = new Cluster(TestDatabase.url(), "errand_mp_cron");
    List<NodeProcess> nodes =
        NODES.stream()
            .map(
                name ->
                    cluster.startNodeAsync(
                        name,
                        2,
                        LEASE,
                        HEARTBEAT,
                        "noop",
                        Map.of("periodic-s", Integer.toString(INTERVAL_S))))
            .toList();
    nodes.forEach(cluster::awaitReady);

    await("two slots enqueued")
        .atMost(Duration.ofSeconds(60))
        .until(() -> slots() >= 2 && leaders(nodes).size() == 1);
    NodeProcess leader = leaders(nodes).get(0);
    leader.kill();
    long slotsAtKill = slots();
    List<NodeProcess> survivors = nodes.stream().filter(n -> n != leader).toList();

    await("a new leader and three more slots")
        .atMost(Duration.ofSeconds(60))
        .failFast("a surviving node died", () -> survivors.stream().anyMatch(n -> !n.isAlive()))
        .until(() -> !leaders(survivors).isEmpty() && slots() >= slotsAtKill + 3);
    for (NodeProcess node : survivors) {
      assertThat(node.stop(Duration.ofSeconds(20))).as("exit code of " + node.name()).isZero();
    }

    List<List<String>> perSlot =
        cluster.queryRows(
            "SELECT extract(epoch FROM scheduled_at)::bigint, count(*) FROM "
                + cluster.table("job")
                + " WHERE kind = 'mp_tick' GROUP BY 1 ORDER BY 1");
    assertThat(perSlot)
        .as("jobs per slot")
        .allSatisfy(row -> assertThat(row.get(1)).isEqualTo("1"));
    List<Long> slots = perSlot.stream().map(row -> Long.parseLong(row.get(0))).toList();
    for (int i = 1; i < slots.size(); i++) {
      assertThat(slots.get(i) - slots.get(i - 1))
          .as("gap between slots %s and %s of %s", i - 1, i, slots)
          .isEqualTo(INTERVAL_S);
    }
    assertThat(slots.size()).isGreaterThanOrEqualTo(5);
  }

  /** How many slots have a job. */
  private long slots() {
    return cluster.queryLong(
        "SELECT count(DISTINCT scheduled_at) FROM "
            + cluster.table("job")
            + " WHERE kind = 'mp_tick'");
  }

  /** The live nodes that lead now, by their latest LEADER or FOLLOWER line. */
  private static List<NodeProcess> leaders(List<NodeProcess> nodes) {
    return nodes.stream()
        .filter(NodeProcess::isAlive)
        .filter(
            n ->
                n.lines().stream()
                    .filter(line -> line.startsWith("LEADER ") || line.startsWith("FOLLOWER "))
                    .reduce((first, second) -> second)
                    .orElse("")
                    .equals("LEADER " + n.name()))
        .toList();
  }
}
