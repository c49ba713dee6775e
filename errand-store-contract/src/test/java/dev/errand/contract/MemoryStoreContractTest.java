package dev.errand.contract;

import dev.errand.Stores;
import dev.errand.spi.Store;

/** The in-memory store passes the full contract: otherwise it would be a test double that lies. */
class MemoryStoreContractTest extends StoreContract {

  @Override
  protected Store createStore() {
    return Stores.inMemory();
  }
}
