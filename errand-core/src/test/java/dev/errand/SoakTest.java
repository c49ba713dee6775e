package dev.errand;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.errand.TestArgs.Noop;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.LongAdder;
import org.junit.jupiter.api.Test;

/**
 * 100,000 jobs through four queues on two nodes, enqueued by four threads while the nodes work:
 * every job runs exactly once, and never twice at the same time.
 */
class SoakTest extends EngineHarness {
  private static final int JOBS = 100_000;
  private static final List<String> QUEUES = List.of("mail", "import", "render", "webhooks");

  /** No completion for this long means the engine stalled. */
  private static final Duration STALL = Duration.ofSeconds(30);

  @Test
  void everyJobRunsExactlyOnce() throws Exception {
    Map<Long, AtomicInteger> executions = new ConcurrentHashMap<>();
    Set<Long> runningNow = ConcurrentHashMap.newKeySet();
    AtomicInteger overlaps = new AtomicInteger();
    LongAdder completed = new LongAdder();
    Worker<Noop> worker =
        job -> {
          if (!runningNow.add(job.id())) {
            overlaps.incrementAndGet();
          }
          executions.computeIfAbsent(job.id(), id -> new AtomicInteger()).incrementAndGet();
          runningNow.remove(job.id());
          return Outcome.complete();
        };
    for (int node = 0; node < 2; node++) {
      start(
          c -> {
            c.worker("noop", Noop.class, worker).listener(e -> completed.increment());
            c.queue(QueueConfig.of("mail", 20))
                .queue(QueueConfig.of("import", 50))
                .queue(QueueConfig.of("render", 4).onPlatformThreads())
                .queue(QueueConfig.of("webhooks", 10));
          });
    }
    Errand client = Errand.create(config().build());

    ExecutorService enqueuers = Executors.newFixedThreadPool(4);
    List<Future<List<Long>>> enqueued = new ArrayList<>();
    for (int t = 0; t < 4; t++) {
      int thread = t;
      enqueued.add(
          enqueuers.submit(
              () -> {
                List<Long> ids = new ArrayList<>();
                int perThread = JOBS / 4;
                int i = 0;
                while (i < perThread) {
                  EnqueueOptions options =
                      EnqueueOptions.defaults()
                          .queue(QUEUES.get((i / 100) % QUEUES.size()))
                          .priority((i / 7) % 3);
                  if (i % 1000 < 900) { // mostly bulk, some single enqueues
                    List<Noop> batch = new ArrayList<>();
                    for (int k = 0; k < 100 && i < perThread; k++, i++) {
                      batch.add(new Noop(thread * perThread + i));
                    }
                    client.enqueueAll(batch, options).forEach(e -> ids.add(e.id()));
                  } else {
                    ids.add(client.enqueue(new Noop(thread * perThread + i), options).id());
                    i++;
                  }
                }
                return ids;
              }));
    }
    Set<Long> allIds = ConcurrentHashMap.newKeySet();
    for (Future<List<Long>> f : enqueued) {
      allIds.addAll(f.get());
    }
    enqueuers.shutdown();

    assertThat(allIds).hasSize(JOBS);
    awaitAllDone(completed, JOBS);
    assertThat(executions.keySet()).isEqualTo(allIds);
    assertThat(executions.values()).allMatch(n -> n.get() == 1);
    assertThat(overlaps.get()).isZero();
    for (String queue : QUEUES) {
      QueueInfo info = client.queues().get(queue).orElseThrow();
      assertThat(info.counts()).containsOnlyKeys(JobState.COMPLETED);
    }
  }

  /**
   * Waits until {@code done} reaches {@code target} for as long as it keeps moving: fails only when
   * no job completed for {@link #STALL}. A slow machine takes longer; a stalled engine fails. (A
   * deadline for the whole run would be a throughput bound, which belongs in the benchmark.)
   */
  private static void awaitAllDone(LongAdder done, long target) {
    long seen = -1;
    while (seen < target) {
      long before = done.sum();
      await()
          .atMost(STALL)
          .alias("a completion after " + before + " of " + target)
          .until(() -> done.sum() > before || done.sum() >= target);
      seen = done.sum();
    }
  }
}
