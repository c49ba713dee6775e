package dev.errand;

import dev.errand.spi.Store;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.function.Consumer;
import org.junit.jupiter.api.AfterEach;

/**
 * Builds Errand nodes on one in-memory store with short intervals and a manual clock, and stops
 * them after each test.
 */
abstract class EngineHarness {
  final TestClock clock = new TestClock();
  final Store store = Stores.inMemory();
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
