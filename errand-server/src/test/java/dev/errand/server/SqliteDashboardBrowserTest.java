package dev.errand.server;

import dev.errand.spi.Store;
import dev.errand.sqlite.SqliteStore;
import java.nio.file.Path;

/** The dashboard in a real browser on SQLite. */
class SqliteDashboardBrowserTest extends DashboardBrowserTest {
  private SqliteStore sqlite;

  @Override
  Store openStore(Path dir) {
    sqlite = SqliteStore.builder(dir.resolve("errand.db")).build();
    sqlite.migrate();
    return sqlite;
  }

  @Override
  void closeStore() {
    if (sqlite != null) {
      sqlite.close();
    }
  }

  @Override
  String storeName() {
    return "sqlite";
  }
}
