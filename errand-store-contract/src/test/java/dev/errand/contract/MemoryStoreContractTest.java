package dev.errand.contract;

import static org.assertj.core.api.Assertions.assertThat;

import dev.errand.Stores;
import dev.errand.spi.Capability;
import dev.errand.spi.Store;
import java.util.EnumSet;
import org.junit.jupiter.api.Test;

/** The in-memory store passes the full contract: otherwise it would be a test double that lies. */
class MemoryStoreContractTest extends StoreContract {

  @Override
  protected Store createStore() {
    return Stores.inMemory();
  }

  @Test
  void declaresExactlyItsCapabilities() {
    // The contract skips the areas of a capability a store lacks: one dropped by mistake would
    // turn whole areas into skipped tests instead of failures.
    try (Store store = Stores.inMemory()) {
      assertThat(EnumSet.copyOf(store.capabilities()))
          .isEqualTo(
              EnumSet.of(
                  Capability.LISTEN_NOTIFY,
                  Capability.UNIQUE_JOBS,
                  Capability.DEPENDENCIES,
                  Capability.NODE_REGISTRY));
    }
  }

  @Test
  void keepsNoTablesSoHasNoMigrations() {
    try (Store store = Stores.inMemory()) {
      assertThat(store.migrations()).isEmpty();
    }
  }
}
