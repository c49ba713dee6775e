package dev.errand.postgres;

import static org.assertj.core.api.Assertions.assertThat;

import dev.errand.contract.StoreContract;
import dev.errand.spi.Capability;
import dev.errand.spi.Store;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

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

  @Test
  void declaresExactlyItsCapabilities() {
    // The contract skips the areas of a capability a store lacks: one dropped by mistake would
    // turn whole areas into skipped tests instead of failures. The contract runs the store as
    // built here, listening, so with LISTEN_NOTIFY.
    try (Store store = createStore()) {
      assertThat(EnumSet.copyOf(store.capabilities()))
          .isEqualTo(
              EnumSet.of(
                  Capability.LISTEN_NOTIFY,
                  Capability.TX_ENQUEUE,
                  Capability.DURABLE,
                  Capability.MULTI_PROCESS,
                  Capability.UNIQUE_JOBS,
                  Capability.DEPENDENCIES,
                  Capability.NODE_REGISTRY));
    }
  }

  @AfterEach
  void dropSchemas() {
    schemas.forEach(TestDatabase::dropSchema);
  }
}
