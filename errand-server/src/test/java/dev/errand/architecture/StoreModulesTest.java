package dev.errand.architecture;

import static org.assertj.core.api.Assertions.assertThat;

import java.lang.module.Configuration;
import java.lang.module.ModuleDescriptor;
import java.lang.module.ModuleFinder;
import java.net.URISyntaxException;
import java.nio.file.Path;
import java.time.Instant;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * The library's modules work as modules, not only on the class path where the other tests run them:
 * in a module layer of their own, the stores read their SQL resources through errand-jdbc, and
 * errand-jdbc's package is exported to the stores only; the Redis store runs with Jedis, an
 * automatic module.
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

  /**
   * The Redis store as a module, with Jedis an automatic module beside it: its Lua scripts, read
   * from its own resources, run on the test Redis server. Jedis's dependencies are explicit modules
   * that Jedis, being automatic, cannot require by name: the store requires them, so that resolving
   * the store alone resolves them (no --add-modules for an application on the module path).
   */
  @Test
  void theRedisStoreWorksOnTheModulePathWithJedisAnAutomaticModule() throws Exception {
    ModuleFinder finder =
        ModuleFinder.of(
            Stream.of(
                    "dev.errand.Errand",
                    "dev.errand.redis.RedisStore",
                    "com.fasterxml.jackson.databind.ObjectMapper",
                    "com.fasterxml.jackson.core.JsonFactory",
                    "com.fasterxml.jackson.annotation.JsonProperty",
                    "com.fasterxml.jackson.datatype.jsr310.JavaTimeModule",
                    "org.slf4j.Logger",
                    "com.cronutils.parser.CronParser",
                    "redis.clients.jedis.RedisClient",
                    "redis.clients.authentication.core.TokenListener",
                    "org.apache.commons.pool2.ObjectPool",
                    "com.google.gson.Gson",
                    "org.json.JSONObject")
                .map(StoreModulesTest::location)
                .distinct()
                .toArray(Path[]::new));
    ModuleLayer boot = ModuleLayer.boot();
    Configuration configuration =
        boot.configuration().resolve(finder, ModuleFinder.of(), Set.of("dev.errand.redis"));
    ModuleLayer layer =
        boot.defineModulesWithOneLoader(configuration, ClassLoader.getPlatformClassLoader());
    Module redis = layer.findModule("dev.errand.redis").orElseThrow();
    assertThat(layer.findModule("redis.clients.jedis").orElseThrow().getDescriptor().isAutomatic())
        .isTrue();
    assertThat(redis.getDescriptor().exports())
        .extracting(ModuleDescriptor.Exports::source)
        .containsExactly("dev.errand.redis");

    Class<?> store =
        Class.forName("dev.errand.redis.RedisStore", true, layer.findLoader(redis.getName()));
    Object builder = store.getMethod("builder", String.class).invoke(null, redisUrl());
    try (AutoCloseable opened =
        (AutoCloseable) builder.getClass().getMethod("build").invoke(builder)) {
      // The server's time, read by a Lua script the store loads from its module.
      Optional<?> time = (Optional<?>) store.getMethod("time").invoke(opened);
      assertThat(time).get().isInstanceOf(Instant.class);
    }
  }

  /** The test Redis server, as errand-redis's tests find it. */
  private static String redisUrl() {
    String url = System.getenv("ERRAND_TEST_REDIS_URL");
    return url == null || url.isBlank() ? "redis://127.0.0.1:6379" : url;
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
