package dev.errand;

import dev.errand.internal.memory.MemoryStore;
import dev.errand.spi.Store;

/**
 * The stores that come with the core. The durable ones live in their own modules and are built
 * there ({@code PostgresStore.builder(dataSource)}, {@code SqliteStore.builder(path)}).
 */
public final class Stores {

  private Stores() {}

  /**
   * A new, empty store in this process's memory, with the full semantics of the durable stores but
   * none of their durability: for tests, and for applications that accept losing queued jobs on
   * restart.
   */
  public static Store inMemory() {
    return new MemoryStore();
  }
}
