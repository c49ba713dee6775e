package dev.errand.contract;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.errand.spi.SchemaMigrations;
import java.util.Locale;
import org.junit.jupiter.api.Test;

/**
 * Migrations, an area of the {@link StoreContract}: a store that keeps tables says so through
 * {@link dev.errand.spi.Store#migrations()}. The store {@link StoreContract#createStore()} made is
 * migrated: nothing is left to apply and the check passes. The script holds the migrations after
 * the version asked for, the tables' creation among them, and none after the latest (a script may
 * still set up what records the versions). A store without migrations (the in-memory one) works as
 * it comes.
 */
abstract class MigrationsContract extends ContractFixtures {

  private SchemaMigrations migrations() {
    assumeTrue(store.migrations().isPresent(), "the store keeps no tables");
    return store.migrations().orElseThrow();
  }

  /** How many tables {@code script} creates. */
  private static int creates(String script) {
    return script.toUpperCase(Locale.ROOT).split("CREATE TABLE", -1).length - 1;
  }

  @Test
  void aStoreWithoutMigrationsWorksAsItComes() {
    assumeTrue(store.migrations().isEmpty(), "the store has migrations");
    long id = insertOne(job());
    assertThat(fetchOnly(QUEUE, id).attempt()).isEqualTo(1);
  }

  @Test
  void aMigratedStoreHasNothingLeftToApplyAndPassesTheCheck() {
    SchemaMigrations migrations = migrations();
    assertThat(migrations.latest()).isPositive();
    assertThat(migrations.apply()).isEmpty();
    assertThatCode(migrations::checkMigrated).doesNotThrowAnyException();
    assertThat(migrations.location()).isNotBlank();
  }

  @Test
  void theScriptHoldsTheMigrationsAfterTheVersionAskedFor() {
    SchemaMigrations migrations = migrations();
    int latest = migrations.latest();
    String all = migrations.sql(0);
    String lastOnly = migrations.sql(latest - 1);
    String none = migrations.sql(latest);

    assertThat(creates(all))
        .as("the tables' creation, beyond what a script without migrations holds")
        .isGreaterThan(creates(none));
    assertThat(lastOnly.length()).as("the latest migration").isGreaterThan(none.length());
    if (latest > 1) {
      assertThat(all.length()).as("every migration").isGreaterThan(lastOnly.length());
    }
  }
}
