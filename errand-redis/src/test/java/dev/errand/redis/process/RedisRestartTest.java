package dev.errand.redis.process;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.errand.Config;
import dev.errand.EnqueueOptions;
import dev.errand.Errand;
import dev.errand.JobState;
import dev.errand.contract.process.ChildJvm;
import dev.errand.redis.RedisStore;
import dev.errand.redis.process.RedisWorkerNode.Work;
import dev.errand.spi.Capability;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * A Redis server with an append-only file synced at every write is killed with SIGKILL while two
 * worker JVMs work and a client enqueues, then started again on the same files. The nodes and the
 * client reconnect by themselves, and every enqueue the server acknowledged, before the kill or
 * after the restart, runs to completion: none is lost.
 */
class RedisRestartTest {
  private final String prefix = "errand-test-" + UUID.randomUUID();
  private final Path dir = Path.of("target", "redis-restart", prefix);
  private final RedisServers.Private server = new RedisServers.Private(dir);
  private final List<ChildJvm> nodes = new ArrayList<>();
  private RedisStore store;
  private Thread enqueuer;

  @AfterEach
  void tearDown() throws InterruptedException {
    if (enqueuer != null) {
      enqueuer.interrupt();
      enqueuer.join(Duration.ofSeconds(10));
    }
    nodes.forEach(ChildJvm::close);
    if (store != null) {
      store.close();
    }
    server.close();
  }

  private ChildJvm startNode(String name) {
    ChildJvm node =
        ChildJvm.start(
            name,
            dir.resolve(name + ".log"),
            RedisWorkerNode.class,
            List.of(
                "--url=" + server.url(),
                "--prefix=" + prefix,
                "--node=" + name,
                "--concurrency=4",
                "--lease-ms=5000",
                "--heartbeat-ms=500",
                "--work-ms=5",
                "--record=false"));
    nodes.add(node);
    return node;
  }

  @Test
  void everyAcknowledgedEnqueueRunsAfterTheServerIsKilledAndStartedAgain() throws Exception {
    store = RedisStore.builder(server.url()).prefix(prefix).build();
    assertThat(store.capabilities()).contains(Capability.DURABLE);
    List.of("a", "b").forEach(this::startNode);
    nodes.forEach(n -> n.awaitLine("READY " + n.name(), Duration.ofSeconds(60)));

    // One job at a time, each acknowledged or failed; failures while the server is down.
    Errand client = Errand.create(Config.builder(store).build());
    Set<Long> acknowledged = ConcurrentHashMap.newKeySet();
    AtomicInteger failed = new AtomicInteger();
    AtomicBoolean running = new AtomicBoolean(true);
    EnqueueOptions mp = EnqueueOptions.defaults().queue("mp");
    enqueuer =
        Thread.ofPlatform()
            .name("enqueuer")
            .start(
                () -> {
                  int n = 0;
                  while (running.get() && !Thread.currentThread().isInterrupted()) {
                    try {
                      acknowledged.add(client.enqueue(new Work(n++), mp).id());
                    } catch (RuntimeException e) {
                      failed.incrementAndGet();
                      try {
                        Thread.sleep(50);
                      } catch (InterruptedException interrupted) {
                        return;
                      }
                    }
                  }
                });

    await("200 enqueues acknowledged").until(() -> acknowledged.size() >= 200);
    server.kill();
    int failedAtKill = failed.get();
    await("enqueues failing while the server is down").until(() -> failed.get() > failedAtKill);
    server.start();
    int acknowledgedAtRestart = acknowledged.size();
    await("200 more enqueues acknowledged after the restart")
        .atMost(Duration.ofSeconds(60))
        .until(() -> acknowledged.size() >= acknowledgedAtRestart + 200);
    running.set(false);
    enqueuer.join(Duration.ofSeconds(10));

    await("every acknowledged job completed")
        .atMost(Duration.ofSeconds(90))
        .pollInterval(Duration.ofMillis(250))
        .failFast("a worker node died", () -> nodes.stream().anyMatch(n -> !n.isAlive()))
        .until(
            () ->
                acknowledged.stream()
                    .allMatch(
                        id ->
                            store
                                .jobGet(id)
                                .map(j -> j.state() == JobState.COMPLETED)
                                .orElse(false)));
    for (ChildJvm node : nodes) {
      assertThat(node.stop(Duration.ofSeconds(20))).as(node.name()).isZero();
    }
  }
}
