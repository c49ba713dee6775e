package dev.errand.sqlite;

import static org.assertj.core.api.Assertions.assertThat;

import dev.errand.contract.StoreContract;
import dev.errand.spi.Capability;
import dev.errand.spi.Store;
import java.nio.file.Path;
import java.util.EnumSet;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The whole store contract on SQLite, each test in a file of its own. */
class SqliteStoreContractTest extends StoreContract {
  @TempDir Path dir;

  @Override
  protected Store createStore() {
    SqliteStore store = SqliteStore.builder(dir.resolve("errand.db")).build();
    store.migrate();
    return store;
  }

  @Test
  void declaresExactlyItsCapabilities() {
    // The contract skips the areas of a capability a store lacks: one dropped by mistake would
    // turn whole areas into skipped tests instead of failures. No TX_ENQUEUE: a caller's
    // connection to the file would take the one writer's lock; not MULTI_PROCESS: one process
    // owns the file.
    try (Store store = createStore()) {
      assertThat(EnumSet.copyOf(store.capabilities()))
          .isEqualTo(
              EnumSet.of(
                  Capability.DURABLE,
                  Capability.LISTEN_NOTIFY,
                  Capability.UNIQUE_JOBS,
                  Capability.DEPENDENCIES,
                  Capability.NODE_REGISTRY));
    }
  }
}
