package dev.errand.server;

import dev.errand.spi.Store;
import java.nio.file.Path;

/** The dashboard in a real browser on PostgreSQL, in a schema of its own. */
class PostgresDashboardBrowserTest extends DashboardBrowserTest {
  private TestPostgres postgres;

  @Override
  Store openStore(Path dir) {
    postgres = new TestPostgres();
    return postgres.store;
  }

  @Override
  void closeStore() {
    if (postgres != null) {
      postgres.close();
    }
  }

  @Override
  String storeName() {
    return "postgres";
  }
}
