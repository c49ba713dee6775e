package dev.errand.postgres.multiprocess;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.errand.postgres.TestDatabase;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Three JVMs enqueue the same {@value #KEYS} unique jobs at once, each in its own order, in batches
 * and one by one: the store keeps exactly one job per key, and every answer in every process names
 * that job.
 */
class UniqueAcrossProcessesTest {
  private static final int KEYS = 300;
  private static final int BATCH = 25;
  private static final List<String> NODES = List.of("u1", "u2", "u3");

  private Cluster cluster;
  private final List<NodeProcess> nodes = new ArrayList<>();

  @AfterEach
  void tearDown() {
    nodes.forEach(NodeProcess::close);
    if (cluster != null) {
      cluster.close();
    }
  }

  @Test
  void concurrentEnqueuesFromThreeProcessesStoreOneJobPerKey() throws Exception {
    cluster = new Cluster(TestDatabase.url(), "errand_mp_unique");
    Path logs = Files.createDirectories(Path.of("target", "multiprocess", "unique"));
    for (String name : NODES) {
      nodes.add(
          NodeProcess.start(
              name,
              logs.resolve(name + ".log"),
              UniqueEnqueuerNode.class,
              List.of(
                  TestDatabase.url(),
                  cluster.schema(),
                  name,
                  Integer.toString(KEYS),
                  Integer.toString(BATCH))));
    }
    for (NodeProcess node : nodes) {
      node.awaitReady(Duration.ofSeconds(60));
    }
    for (NodeProcess node : nodes) {
      node.send("GO");
    }
    for (NodeProcess node : nodes) {
      await("node " + node.name() + " done")
          .atMost(Duration.ofMinutes(2))
          .pollInterval(Duration.ofMillis(100))
          .failFast(
              "node " + node.name() + " died:\n" + node.tail(),
              () -> !node.isAlive() && !node.lines().contains("DONE " + node.name()))
          .until(() -> node.lines().contains("DONE " + node.name()));
    }

    String job = cluster.table("job");
    Map<Integer, Long> idByKey = new HashMap<>();
    for (List<String> row :
        cluster.queryRows("SELECT (args->>'n')::int, id FROM " + job + " WHERE kind = 'mp_work'")) {
      assertThat(idByKey.put(Integer.parseInt(row.get(0)), Long.parseLong(row.get(1))))
          .as("jobs stored for key %s", row.get(0))
          .isNull();
    }
    assertThat(idByKey).hasSize(KEYS);

    int answers = 0;
    int stored = 0;
    for (NodeProcess node : nodes) {
      for (String line : node.lines()) {
        if (!line.startsWith("RESULT ")) {
          continue;
        }
        String[] parts = line.split(" ");
        int key = Integer.parseInt(parts[1]);
        assertThat(Long.parseLong(parts[2]))
            .as("id answered to %s for key %d", node.name(), key)
            .isEqualTo(idByKey.get(key));
        answers++;
        stored += Boolean.parseBoolean(parts[3]) ? 0 : 1;
      }
    }
    assertThat(answers).as("answers").isEqualTo(NODES.size() * KEYS * 2);
    assertThat(stored).as("answers that stored a job").isEqualTo(KEYS);
  }
}
