package dev.errand;

import dev.errand.spi.JobStageParams;
import dev.errand.spi.Store;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.function.Consumer;
import org.junit.jupiter.api.AfterEach;

/**
 * Builds Errand nodes on one in-memory store with short intervals and a manual clock, and stops
 * them after each test. The store reports its calls to {@link #calls}, so that a test can wait for
 * the engine to have acted (a stage pass at a time, a fetch) before asserting that nothing
 * happened.
 *
 * <p>Every node reads the harness {@link #clock} unless a test gives it a clock of its own: {@link
 * #clockOffsetBy} is the harness clock read off by a fixed offset (moved with it), as on a host
 * whose clock is wrong, and {@link #storeWithClock} is the store given the harness clock as its
 * own, as a database server has, so that such a node measures its offset and corrects for it.
 */
abstract class EngineHarness {
  final TestClock clock = new TestClock();
  final StoreCalls calls = new StoreCalls();
  final Store store = calls.observe(Stores.inMemory());

  /** {@link #store} with {@link #clock} as its own clock ({@link Store#time()}). */
  final Store storeWithClock = StoreWithClock.of(store, () -> Optional.of(clock.instant()));

  final Queue<JobEvent> events = new ConcurrentLinkedQueue<>();
  private final List<Errand> nodes = new ArrayList<>();

  Config.Builder config() {
    return config(store);
  }

  /** The harness's config on {@code on}, a store that wraps {@link #store}. */
  Config.Builder config(Store on) {
    return Config.builder(on)
        .clock(clock)
        .pollInterval(Duration.ofMillis(50))
        .stageInterval(Duration.ofMillis(10))
        .rescueInterval(Duration.ofMillis(20))
        .leaseDuration(Duration.ofSeconds(30))
        .heartbeatInterval(Duration.ofMillis(20))
        .leaderLease(Duration.ofMillis(300))
        .listener(events::add);
  }

  /** A node's own clock: the harness clock read {@code offset} off, and moved with it. */
  Clock clockOffsetBy(Duration offset) {
    return Clock.offset(clock, offset);
  }

  Errand start(Consumer<Config.Builder> customize) {
    return start(store, customize);
  }

  /** A node on {@code on}, a store that wraps {@link #store}; stopped after the test. */
  Errand start(Store on, Consumer<Config.Builder> customize) {
    Config.Builder builder = config(on);
    customize.accept(builder);
    Errand errand = Errand.create(builder.build()).start();
    nodes.add(errand);
    return errand;
  }

  /**
   * Waits until a node's stage pass at {@code now} or later has run: the jobs due then are
   * available, and none other was made so.
   */
  void awaitStagePassAt(Instant now) {
    calls.expect("jobStage", JobStageParams.class, p -> !p.now().isBefore(now)).await();
  }

  JobState state(long id) {
    return store.jobGet(id).orElseThrow().state();
  }

  JobInfo job(long id) {
    return store.jobGet(id).orElseThrow();
  }

  @AfterEach
  void stopNodes() {
    for (Errand node : nodes) {
      node.stop(Duration.ofSeconds(5));
    }
    store.close();
  }
}
