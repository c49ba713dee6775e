package dev.errand.postgres;

import dev.errand.contract.StoreContract;
import dev.errand.spi.Store;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;

/** The whole store contract against a real PostgreSQL, each test in a schema of its own. */
class PostgresStoreContractTest extends StoreContract {
  private final List<String> schemas = new ArrayList<>();

  @Override
  protected Store createStore() {
    String schema = TestDatabase.newSchema("errand_contract");
    schemas.add(schema);
    PostgresStore store = PostgresStore.builder(TestDatabase.pool()).schema(schema).build();
    store.migrate();
    return store;
  }

  @Override
  protected Connection openConnection() throws SQLException {
    return TestDatabase.pool().getConnection();
  }

  @AfterEach
  void dropSchemas() {
    schemas.forEach(TestDatabase::dropSchema);
  }
}
