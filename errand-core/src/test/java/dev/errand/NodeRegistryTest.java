package dev.errand;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.errand.TestArgs.Noop;
import dev.errand.spi.NodeListParams;
import dev.errand.spi.NodeReportParams;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

class NodeRegistryTest extends EngineHarness {

  private static List<String> ids(Errand node) {
    return node.nodes().stream().map(NodeInfo::id).toList();
  }

  @Test
  void aStartedNodeListsItselfWithItsQueuesAndKinds() {
    Instant startedAt = clock.instant();
    Errand node =
        start(
            c ->
                c.nodeId("node-a")
                    .queue("default", 4)
                    .queue("mail", 2)
                    .worker("noop", Noop.class, job -> Outcome.complete()));

    await().until(() -> ids(node).contains("node-a"));

    NodeInfo self = node.nodes().get(0);
    assertThat(self.queues()).containsExactly(Map.entry("default", 4), Map.entry("mail", 2));
    assertThat(self.kinds()).containsExactly("noop");
    assertThat(self.startedAt()).isEqualTo(startedAt);
    assertThat(self.expiresAt())
        .as("three report intervals after the report")
        .isEqualTo(self.reportedAt().plus(Config.DEFAULT_NODE_REPORT_INTERVAL.multipliedBy(3)));
  }

  @Test
  void nodesSeeEachOtherAndAStoppedNodeRemovesItself() {
    Errand a = start(c -> c.nodeId("node-a").queue("default", 1));
    Errand b = start(c -> c.nodeId("node-b").queue("import", 1));

    await().until(() -> ids(a).equals(List.of("node-a", "node-b")));
    assertThat(ids(b)).containsExactly("node-a", "node-b");

    b.stop(Duration.ofSeconds(5));

    assertThat(ids(a)).containsExactly("node-a");
  }

  @Test
  void aNodeThatStopsReportingDropsOutAndTheLeaderDeletesItsEntry() {
    Instant start = clock.instant();
    // A node that died: it reported once and never again.
    store.nodeReport(
        new NodeReportParams(
            "dead", Map.of("import", 1), Set.of("noop"), start, start, start.plusSeconds(30)));
    Errand leader =
        start(
            c -> c.nodeId("leader").queue("default", 1).nodeReportInterval(Duration.ofMillis(20)));
    await().until(() -> ids(leader).equals(List.of("dead", "leader")));

    clock.advance(Duration.ofSeconds(31));

    assertThat(ids(leader)).as("expired: no longer listed").doesNotContain("dead");
    await()
        .alias("deleted, not only left out")
        .until(
            () ->
                store.nodeList(new NodeListParams(start)).stream()
                    .noneMatch(n -> n.id().equals("dead")));
  }

  @Test
  void aStoreWithoutARegistrySaysSoAndItsNodesRunAsBefore() {
    FlakyStore plain = new FlakyStore(store, 0);
    Errand node = Errand.create(Config.builder(plain).queue("default", 1).build()).start();
    try {
      assertThatThrownBy(node::nodes)
          .isInstanceOf(UnsupportedOperationException.class)
          .hasMessage(
              "FlakyStore keeps no node registry (Capability.NODE_REGISTRY), so no list of nodes");
    } finally {
      node.stop(Duration.ofSeconds(5));
    }
  }

  @Test
  void theReportIntervalIsValidatedNamingTheFieldAndItsLimits() {
    assertThatThrownBy(() -> Config.builder(store).nodeReportInterval(Duration.ofMillis(1)))
        .isInstanceOf(InvalidConfigException.class)
        .hasMessage("nodeReportInterval must be between PT0.01S and PT10M, was PT0.001S");
    assertThatThrownBy(() -> Config.builder(store).nodeReportInterval(Duration.ofHours(1)))
        .hasMessage("nodeReportInterval must be between PT0.01S and PT10M, was PT1H");
    assertThat(Config.builder(store).build().nodeExpiry()).isEqualTo(Duration.ofSeconds(30));
  }
}
