package dev.errand.sqlite;

import dev.errand.contract.StoreContract;
import dev.errand.spi.Store;
import java.nio.file.Path;
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
}
