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
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.stream.IntStream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import redis.clients.jedis.RedisClient;

/**
 * Three worker JVMs share a queue on one Redis; one is killed with SIGKILL while it holds leased
 * jobs. Its jobs are rescued when their leases expire and run elsewhere: every job completes, none
 * is lost, and no two runs of one job overlap in time.
 */
class RedisNodeKilledTest {
  private static final int JOBS = 300;

  /** How long each job runs: long enough that a kill lands mid-job (see the test). */
  private static final Duration WORK = Duration.ofMillis(250);

  private static final Duration LEASE = Duration.ofSeconds(2);

  private final String prefix = "errand-test-" + UUID.randomUUID();
  private final List<ChildJvm> nodes = new ArrayList<>();
  private final RedisClient redis = RedisClient.create(URI.create(RedisServers.url()));
  private final RedisStore store = RedisStore.builder(RedisServers.url()).prefix(prefix).build();

  @AfterEach
  void tearDown() {
    nodes.forEach(ChildJvm::close);
    store.close();
    RedisServers.dropPrefix(redis, prefix);
    redis.close();
  }

  private ChildJvm startNode(String name) {
    ChildJvm node =
        ChildJvm.start(
            name,
            Path.of("target", "multiprocess", prefix, name + ".log"),
            RedisWorkerNode.class,
            List.of(
                "--url=" + RedisServers.url(),
                "--prefix=" + prefix,
                "--node=" + name,
                "--concurrency=4",
                "--lease-ms=" + LEASE.toMillis(),
                "--heartbeat-ms=300",
                "--work-ms=" + WORK.toMillis()));
    nodes.add(node);
    return node;
  }

  @Test
  void aKilledNodesJobsAreRescuedAndEveryJobRunsToCompletionNeverTwiceAtOnce() throws Exception {
    List.of("a", "b", "c").forEach(this::startNode);
    nodes.forEach(n -> n.awaitLine("READY " + n.name(), Duration.ofSeconds(60)));
    Errand client = Errand.create(Config.builder(store).build());
    client.enqueueAll(
        IntStream.range(0, JOBS).mapToObj(Work::new).toList(),
        EnqueueOptions.defaults().queue("mp"));

    // Killed in the middle of jobs it runs: a run of b's that started and has not ended, which
    // with WORK long beside the few milliseconds from this check to the kill is still running
    // when the kill lands. (A check of b's leases alone let b finish them all first.)
    await("node b runs a job")
        .atMost(Duration.ofSeconds(60))
        .pollInterval(Duration.ofMillis(10))
        .until(() -> runsUnderWay("b") > 0);
    ChildJvm b = nodes.get(1);
    b.kill();
    long killedAt = RedisWorkerNode.serverMicros(redis);
    List<ChildJvm> survivors = List.of(nodes.get(0), nodes.get(2));

    await("every job completed")
        .atMost(Duration.ofSeconds(90))
        .pollInterval(Duration.ofMillis(250))
        .failFast("a surviving node died", () -> survivors.stream().anyMatch(n -> !n.isAlive()))
        .until(
            () ->
                store.queueList().stream().mapToLong(q -> q.count(JobState.COMPLETED)).sum()
                    == JOBS);

    Map<Long, List<long[]>> runsByJob = runs(killedAt);
    assertThat(runsByJob).hasSize(JOBS);
    int rescued = 0;
    for (Map.Entry<Long, List<long[]>> entry : runsByJob.entrySet()) {
      List<long[]> runs = entry.getValue();
      runs.sort((x, y) -> Long.compare(x[0], y[0]));
      for (int i = 1; i < runs.size(); i++) {
        assertThat(runs.get(i)[0])
            .as("run %d of job %d starts after run %d ended", i, entry.getKey(), i - 1)
            .isGreaterThanOrEqualTo(runs.get(i - 1)[1]);
      }
      rescued += runs.size() > 1 ? 1 : 0;
    }
    assertThat(rescued).as("jobs that ran again after the kill").isPositive();
    for (ChildJvm survivor : survivors) {
      assertThat(survivor.stop(Duration.ofSeconds(20))).as(survivor.name()).isZero();
    }
  }

  /** The runs {@code node} has recorded the start of and not the end. */
  private long runsUnderWay(String node) {
    long underWay = 0;
    for (String record : redis.lrange(prefix + ":test:runs", 0, -1)) {
      String[] f = record.split("\\|");
      if (f[2].equals(node)) {
        underWay += f[3].equals("start") ? 1 : -1;
      }
    }
    return underWay;
  }

  /**
   * Each job's runs as [start, end] in the server's time; a run of the killed node that never ended
   * ends when the node was killed.
   */
  private Map<Long, List<long[]>> runs(long killedAt) {
    Map<String, long[]> byRun = new HashMap<>();
    for (String record : redis.lrange(prefix + ":test:runs", 0, -1)) {
      String[] f = record.split("\\|");
      String run = f[0] + "|" + f[1] + "|" + f[2];
      long[] span = byRun.computeIfAbsent(run, r -> new long[] {0, killedAt});
      span[f[3].equals("start") ? 0 : 1] = Long.parseLong(f[4]);
    }
    Map<Long, List<long[]>> byJob = new HashMap<>();
    byRun.forEach(
        (run, span) ->
            byJob
                .computeIfAbsent(Long.parseLong(run.split("\\|")[0]), id -> new ArrayList<>())
                .add(span));
    return byJob;
  }
}
