package dev.errand.contract;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.errand.AttemptTotals;
import dev.errand.NodeInfo;
import dev.errand.PeriodicJobInfo;
import dev.errand.spi.Capability;
import dev.errand.spi.NodeListParams;
import dev.errand.spi.NodePruneParams;
import dev.errand.spi.NodeRemoveParams;
import dev.errand.spi.NodeReportParams;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Nodes, an area of the {@link StoreContract}: a node's report is listed until it expires; removing
 * and pruning entries. Needs {@code NODE_REGISTRY}.
 */
abstract class NodesContract extends ContractFixtures {

  /** How long a node's entry counts in the node tests. */
  private static final Duration NODE_TERM = Duration.ofSeconds(30);

  @BeforeEach
  void requireRegistry() {
    assumeTrue(store.capabilities().contains(Capability.NODE_REGISTRY));
  }

  /** {@code id} reports at {@code now}, working {@code queues}, counting for {@code term}. */
  private void report(
      String id, Map<String, Integer> queues, Set<String> kinds, Instant now, Duration term) {
    store.nodeReport(new NodeReportParams(id, queues, kinds, at(0), now, now.plus(term)));
  }

  private void report(String id, Instant now, Duration term) {
    report(id, Map.of(QUEUE, 10), Set.of("email"), now, term);
  }

  private List<String> live(Instant now) {
    return store.nodeList(new NodeListParams(now)).stream().map(NodeInfo::id).toList();
  }

  @Test
  void aReportIsListedWithEverythingItSaid() {
    store.nodeReport(
        new NodeReportParams(
            OWNER,
            Map.of("default", 20, "import.v2:bulk-1", 2),
            Set.of("email", "resize.image:v2"),
            at(0),
            at(3),
            at(33)));
    store.nodeReport(new NodeReportParams(OTHER_OWNER, Map.of(), Set.of(), at(1), at(2), at(32)));

    assertThat(store.nodeList(new NodeListParams(at(4))))
        .as("in id order; a node without queues or workers is listed too")
        .containsExactly(
            new NodeInfo(
                OWNER,
                Map.of("default", 20, "import.v2:bulk-1", 2),
                Set.of("email", "resize.image:v2"),
                at(0),
                at(3),
                at(33)),
            new NodeInfo(OTHER_OWNER, Map.of(), Set.of(), at(1), at(2), at(32)));
  }

  @Test
  void aReportSaysWhetherTheNodeLeadsItsPeriodicJobsAndItsAttemptsPerQueue() {
    List<PeriodicJobInfo> periodic =
        List.of(
            new PeriodicJobInfo(
                "nightly-report", "report", "default", "0 3 * * * (UTC)", at(60), true),
            new PeriodicJobInfo("sweep", "sweep.v2", "maintenance", "every 15m", null, false));
    Map<String, AttemptTotals> attempts =
        Map.of(
            "default",
            new AttemptTotals(1_234_567_890_123L, 7),
            "mail.v2",
            new AttemptTotals(0, 3));
    store.nodeReport(
        new NodeReportParams(
            OWNER, Map.of(), Set.of(), at(0), at(3), at(33), true, periodic, attempts));
    store.nodeReport(new NodeReportParams(OTHER_OWNER, Map.of(), Set.of(), at(1), at(2), at(32)));

    assertThat(store.nodeList(new NodeListParams(at(4))))
        .containsExactly(
            new NodeInfo(OWNER, Map.of(), Set.of(), at(0), at(3), at(33), true, periodic, attempts),
            new NodeInfo(OTHER_OWNER, Map.of(), Set.of(), at(1), at(2), at(32), false, List.of()));

    store.nodeReport(
        new NodeReportParams(OWNER, Map.of(), Set.of(), at(0), at(5), at(35), false, List.of()));
    assertThat(store.nodeList(new NodeListParams(at(6))).get(0).leader())
        .as("a node that no longer leads says so at its next report")
        .isFalse();
  }

  @Test
  void aNewReportReplacesTheNodesEntryWhole() {
    report(OWNER, Map.of("default", 20, "import", 2), Set.of("email", "resize"), at(0), NODE_TERM);
    store.nodeReport(
        new NodeReportParams(OWNER, Map.of("mail", 5), Set.of("email"), at(9), at(10), at(40)));

    assertThat(store.nodeList(new NodeListParams(at(11))))
        .containsExactly(
            new NodeInfo(OWNER, Map.of("mail", 5), Set.of("email"), at(9), at(10), at(40)));
  }

  @Test
  void anEntryCountsUntilItExpiresThenIsLeftOut() {
    report(OWNER, at(0), NODE_TERM);
    report(OTHER_OWNER, at(0), Duration.ofSeconds(60));

    assertThat(live(at(30))).as("expiring exactly now").containsExactly(OWNER, OTHER_OWNER);
    assertThat(live(at(31))).containsExactly(OTHER_OWNER);
    assertThat(live(at(61))).isEmpty();

    report(OWNER, at(70), NODE_TERM);
    assertThat(live(at(71))).as("a node that reports again counts again").containsExactly(OWNER);
  }

  @Test
  void aRemovedNodeIsGoneAndRemovingAnAbsentOneChangesNothing() {
    report(OWNER, at(0), NODE_TERM);
    report(OTHER_OWNER, at(0), NODE_TERM);

    store.nodeRemove(new NodeRemoveParams(OWNER));
    store.nodeRemove(new NodeRemoveParams("never-reported"));

    assertThat(live(at(1))).containsExactly(OTHER_OWNER);
  }

  @Test
  void pruningDeletesOnlyExpiredEntries() {
    report(OWNER, at(0), NODE_TERM);
    report(OTHER_OWNER, at(0), Duration.ofSeconds(60));

    assertThat(store.nodePrune(new NodePruneParams(at(30)))).as("expiring exactly now").isZero();
    assertThat(store.nodePrune(new NodePruneParams(at(31)))).isEqualTo(1);
    assertThat(store.nodePrune(new NodePruneParams(at(31)))).isZero();
    assertThat(live(at(0)))
        .as("the pruned entry is gone, not just hidden")
        .containsExactly(OTHER_OWNER);
  }

  @Test
  void nodesReportingAtOnceSeeEachOther() throws Exception {
    int nodes = 8;
    concurrently(
        nodes,
        i -> {
          for (int round = 0; round < 5; round++) {
            report(
                "node-" + i,
                Map.of("queue-" + i, i + 1),
                Set.of("kind-" + i),
                at(round),
                NODE_TERM);
            assertThat(live(at(round))).contains("node-" + i);
          }
          return null;
        });

    List<NodeInfo> listed = store.nodeList(new NodeListParams(at(5)));
    assertThat(listed).hasSize(nodes);
    for (NodeInfo node : listed) {
      int i = Integer.parseInt(node.id().substring("node-".length()));
      assertThat(node.queues()).containsExactly(Map.entry("queue-" + i, i + 1));
      assertThat(node.reportedAt()).isEqualTo(at(4));
    }
  }
}
