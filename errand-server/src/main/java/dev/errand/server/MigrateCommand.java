package dev.errand.server;

import dev.errand.spi.SchemaMigrations;
import dev.errand.sqlite.SqliteStore;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Callable;
import org.postgresql.ds.PGSimpleDataSource;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParentCommand;

/** {@code errand migrate}: creates or upgrades the store's tables, or prints their SQL. */
@Command(
    name = "migrate",
    mixinStandardHelpOptions = true,
    description =
        "Creates or upgrades the store's tables (postgres or sqlite; redis needs none), or prints"
            + " the PostgreSQL SQL.")
final class MigrateCommand implements Callable<Integer> {
  @ParentCommand ErrandCli root;
  @Mixin ErrandCli.StoreOptions store;

  @Option(
      names = "--print-sql",
      description = "print every migration as one script instead of applying it")
  boolean printSql;

  @Option(
      names = "--after",
      paramLabel = "VERSION",
      description =
          "with --print-sql: only the migrations after this version, to upgrade a schema"
              + " (default: 0, all)")
  int after;

  @Override
  public Integer call() throws Exception {
    Settings settings =
        Stores.sqliteFileByDefault(
            store.settings(root.env, Map.of(Settings.STORE, "postgres")), root.defaultFile());
    if (after < 0) {
      throw new IllegalArgumentException("--after must be 0 or more, was " + after);
    }
    if (printSql) {
      String name = settings.get(Settings.STORE, "postgres");
      switch (name) {
        case "postgres" ->
            // Printing needs no connection: the data source is never used.
            root.out.print(
                Stores.postgresStore(settings, new PGSimpleDataSource(), false)
                    .migrationSql(after));
        case "sqlite" -> root.out.print(SqliteStore.migrationSql(after));
        default ->
            throw new IllegalArgumentException(
                "--print-sql prints the postgres or sqlite script, not the " + name + " store's");
      }
      return 0;
    }
    String name = settings.get(Settings.STORE, "memory");
    if (name.equals("memory")) {
      throw new IllegalArgumentException(
          "migrate needs a postgres or sqlite store (redis needs no migrations), was 'memory'");
    }
    try (Stores.Opened opened = Stores.openToMigrate(settings)) {
      Optional<SchemaMigrations> found = opened.store().migrations();
      if (found.isEmpty()) {
        // A store without tables (Redis) is ready as it is: a deployment that runs migrate
        // before the server succeeds on it as on the others.
        root.out.println(Stores.describe(settings) + " needs no migrations: nothing to do");
        return 0;
      }
      SchemaMigrations migrations = found.get();
      var applied = migrations.apply();
      root.out.println(
          applied.isEmpty()
              ? migrations.location() + " is up to date"
              : "applied migrations " + applied);
    }
    return 0;
  }
}
