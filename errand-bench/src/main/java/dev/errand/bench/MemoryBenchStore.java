package dev.errand.bench;

import dev.errand.Stores;
import dev.errand.spi.Store;

/** The in-memory store: the engine's own overhead, with no database behind it. */
final class MemoryBenchStore implements BenchStore {
  private Store store;

  @Override
  public String name() {
    return "memory";
  }

  @Override
  public Store open() {
    store = Stores.inMemory();
    return store;
  }

  @Override
  public void close() {
    if (store != null) {
      store.close();
    }
  }
}
