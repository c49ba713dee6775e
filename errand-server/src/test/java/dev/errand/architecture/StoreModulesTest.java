package dev.errand.architecture;

import static org.assertj.core.api.Assertions.assertThat;

import java.lang.module.Configuration;
import java.lang.module.ModuleFinder;
import java.net.URISyntaxException;
import java.nio.file.Path;
import java.util.Set;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * The library's modules work as modules, not only on the class path where the other tests run them:
 * in a module layer of their own, the stores read their SQL resources through errand-jdbc, and
 * errand-jdbc's package is exported to the stores only.
 */
class StoreModulesTest {

  @Test
  void theStoresWorkOnTheModulePathAndTheJdbcInternalsReachOnlyThem() throws Exception {
    ModuleFinder finder =
        ModuleFinder.of(
            Stream.of(
                    "dev.errand.Errand",
                    "dev.errand.jdbc.internal.NamedSql",
                    "dev.errand.postgres.PostgresStore",
                    "dev.errand.sqlite.SqliteStore",
                    "com.fasterxml.jackson.databind.ObjectMapper",
                    "com.fasterxml.jackson.core.JsonFactory",
                    "com.fasterxml.jackson.annotation.JsonProperty",
                    "com.fasterxml.jackson.datatype.jsr310.JavaTimeModule",
                    "org.slf4j.Logger",
                    "com.cronutils.parser.CronParser",
                    "org.postgresql.Driver",
                    "org.sqlite.JDBC")
                .map(StoreModulesTest::location)
                .distinct()
                .toArray(Path[]::new));
    ModuleLayer boot = ModuleLayer.boot();
    Configuration configuration =
        boot.configuration()
            .resolve(finder, ModuleFinder.of(), Set.of("dev.errand.postgres", "dev.errand.sqlite"));
    ModuleLayer layer =
        boot.defineModulesWithOneLoader(configuration, ClassLoader.getPlatformClassLoader());
    Module jdbc = layer.findModule("dev.errand.jdbc").orElseThrow();
    Module postgres = layer.findModule("dev.errand.postgres").orElseThrow();
    Module sqlite = layer.findModule("dev.errand.sqlite").orElseThrow();
    Module user = getClass().getClassLoader().getUnnamedModule();

    assertThat(jdbc.isExported("dev.errand.jdbc.internal", postgres)).isTrue();
    assertThat(jdbc.isExported("dev.errand.jdbc.internal", sqlite)).isTrue();
    assertThat(jdbc.isExported("dev.errand.jdbc.internal", user)).isFalse();
    assertThat(jdbc.getDescriptor().exports())
        .allMatch(
            e ->
                e.isQualified()
                    && e.targets().equals(Set.of(postgres.getName(), sqlite.getName())));

    // Migrations.load in dev.errand.jdbc reads the files under dev/errand/sqlite/migrations, a
    // package of dev.errand.sqlite that the store opens to no one: only through the store's own
    // opener.
    Object script =
        Class.forName("dev.errand.sqlite.SqliteStore", true, layer.findLoader("dev.errand.sqlite"))
            .getMethod("migrationSql", int.class)
            .invoke(null, 0);
    assertThat((String) script).contains("CREATE TABLE");
  }

  private static Path location(String className) {
    try {
      return Path.of(
          Class.forName(className, false, StoreModulesTest.class.getClassLoader())
              .getProtectionDomain()
              .getCodeSource()
              .getLocation()
              .toURI());
    } catch (ClassNotFoundException | URISyntaxException e) {
      throw new IllegalStateException(e);
    }
  }
}
