package dev.errand.postgres;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.errand.StoreException;
import dev.errand.spi.SchemaMigrations;
import java.util.List;
import java.util.stream.IntStream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The store's migrations as the SPI shows them, on a schema of their own. */
class PostgresMigrationsTest {
  private final String schema = TestDatabase.newSchema("errand_migrations");

  @AfterEach
  void dropSchema() {
    TestDatabase.dropSchema(schema);
  }

  @Test
  void theSpiMigratesAFreshSchemaToTheLatestVersionAndPrintsItsTables() {
    try (PostgresStore store =
        PostgresStore.builder(TestDatabase.pool()).schema(schema).listen(false).build()) {
      SchemaMigrations migrations = store.migrations().orElseThrow();
      assertThat(migrations.location()).isEqualTo("schema " + schema);
      assertThatThrownBy(migrations::checkMigrated)
          .isInstanceOf(StoreException.class)
          .hasMessageStartingWith("schema " + schema + " has no Errand tables");

      List<Integer> applied = migrations.apply();
      assertThat(applied)
          .isEqualTo(IntStream.rangeClosed(1, migrations.latest()).boxed().toList())
          .last()
          .isEqualTo(store.latestMigration());
      assertThat(migrations.apply()).isEmpty();
      migrations.checkMigrated();

      String all = migrations.sql(0);
      assertThat(all)
          .startsWith("-- Errand schema for PostgreSQL, schema " + schema + "\n")
          .contains("CREATE SCHEMA IF NOT EXISTS " + schema + ";")
          .contains("CREATE TYPE " + schema + ".job_state AS ENUM (")
          .contains("CREATE TABLE " + schema + ".job (", "CREATE TABLE " + schema + ".queue (")
          .contains("CREATE TABLE " + schema + ".leader (")
          .contains("CREATE TABLE " + schema + ".job_dependency (")
          .contains("CREATE TABLE " + schema + ".node (")
          .contains(
              "INSERT INTO "
                  + schema
                  + ".schema_migration (version, name) VALUES (7, 'node_registry');")
          .doesNotContain("{schema}");
      assertThat(migrations.sql(6))
          .contains("CREATE TABLE " + schema + ".node (")
          .doesNotContain("CREATE TABLE " + schema + ".job (");
      assertThat(all).isEqualTo(store.migrationSql());
    }
  }
}
