package dev.errand.contract;

import static org.assertj.core.api.Assertions.assertThat;

import dev.errand.Stores;
import dev.errand.spi.Store;
import org.junit.jupiter.api.Test;

/** The in-memory store passes the full contract: otherwise it would be a test double that lies. */
class MemoryStoreContractTest extends StoreContract {

  @Override
  protected Store createStore() {
    return Stores.inMemory();
  }

  @Test
  void keepsNoTablesSoHasNoMigrations() {
    try (Store store = Stores.inMemory()) {
      assertThat(store.migrations()).isEmpty();
    }
  }
}
