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
        .until(() -> cluster.periodicSlots() >= 2 && NodeProcess.leaders(nodes).size() == 1);
    NodeProcess leader = NodeProcess.leaders(nodes).get(0);
    leader.kill();
    long slotsAtKill = cluster.periodicSlots();
    List<NodeProcess> survivors = nodes.stream().filter(n -> n != leader).toList();

    await("a new leader and three more slots")
        .atMost(Duration.ofSeconds(60))
        .failFast("a surviving node died", () -> survivors.stream().anyMatch(n -> !n.isAlive()))
        .until(
            () ->
                !NodeProcess.leaders(survivors).isEmpty()
                    && cluster.periodicSlots() >= slotsAtKill + 3);
    for (NodeProcess node : survivors) {
      assertThat(node.stop(Duration.ofSeconds(20))).as("exit code of " + node.name()).isZero();
    }

    assertThat(cluster.assertEverySlotOnce(INTERVAL_S)).isGreaterThanOrEqualTo(5);
  }
}
