package dev.errand;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.errand.TestArgs.Noop;
import dev.errand.spi.Store;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.IntStream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * A node moving from one store to another ({@link Config.Builder#drainFrom}): it works the old
 * store's remaining jobs with the same workers while everything it enqueues goes to the new one,
 * and says when the old store is drained.
 */
class DrainTest {
  private final Store old = Stores.inMemory();
  private final Store next = Stores.inMemory();
  private final Map<Integer, AtomicInteger> runs = new ConcurrentHashMap<>();
  private Errand node;

  @AfterEach
  void stop() {
    if (node != null) {
      node.stop(Duration.ofSeconds(5));
    }
    old.close();
    next.close();
  }

  private Config.Builder config(Store store) {
    return Config.builder(store)
        .stageInterval(Duration.ofMillis(20))
        .queue("default", 4)
        .worker(
            "noop",
            Noop.class,
            new Worker<Noop>() {
              @Override
              public Outcome work(Job<Noop> job) {
                runs.computeIfAbsent(job.args().n(), n -> new AtomicInteger()).incrementAndGet();
                // Job 7 fails its first attempt: its retry waits in the old store.
                if (job.args().n() == 7 && job.attempt() == 1) {
                  throw new IllegalStateException("first attempt of 7 fails");
                }
                return Outcome.complete();
              }

              @Override
              public Duration backoff(Job<Noop> job) {
                return Duration.ofMillis(200);
              }
            });
  }

  @Test
  void theOldStoresJobsRunOnceWhileNewJobsGoToTheNewStoreUntilTheOldIsDrained() {
    Errand client = Errand.create(config(old).build());
    client.enqueueAll(IntStream.range(0, 100).mapToObj(Noop::new).toList());
    client.enqueueAll(
        IntStream.range(100, 110).mapToObj(Noop::new).toList(),
        EnqueueOptions.defaults().runIn(Duration.ofMillis(300)));

    node = Errand.create(config(next).drainFrom(old).build());
    assertThat(node.isDrained()).isFalse();
    node.start();
    node.enqueueAll(IntStream.range(1_000, 1_100).mapToObj(Noop::new).toList());

    await().atMost(Duration.ofSeconds(30)).until(node::isDrained);
    await().atMost(Duration.ofSeconds(30)).until(() -> runs.size() == 210);
    assertThat(runs).allSatisfy((n, count) -> assertThat(count).hasValue(n == 7 ? 2 : 1));
    // The new jobs are in the new store only; the old store's all ended there.
    assertThat(old.queueList())
        .singleElement()
        .satisfies(q -> assertThat(q.counts()).isEqualTo(Map.of(JobState.COMPLETED, 110L)));
    await()
        .until(
            () ->
                next.queueList().stream().mapToLong(q -> q.count(JobState.COMPLETED)).sum() == 100);
  }

  @Test
  void aNodeDrainsNoStoreUnlessToldAndNeverTheOneItMovesTo() {
    assertThat(Errand.create(config(next).build()).isDrained()).isTrue();
    assertThatThrownBy(() -> config(next).drainFrom(next).build())
        .isInstanceOf(InvalidConfigException.class)
        .hasMessageContaining("cannot drain the store it moves to");
  }
}
