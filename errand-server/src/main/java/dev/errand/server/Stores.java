package dev.errand.server;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import dev.errand.StoreException;
import dev.errand.postgres.PostgresStore;
import dev.errand.redis.RedisStore;
import dev.errand.spi.SchemaMigrations;
import dev.errand.spi.Store;
import dev.errand.sqlite.SqliteStore;
import java.io.Closeable;
import java.io.IOException;
import java.net.URI;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The stores the server and the CLI can open, by the name given to {@code --store}. Adding a store
 * is one entry here.
 */
final class Stores {

  /** A store and what must be closed with it. */
  record Opened(Store store, Closeable resources) implements AutoCloseable {
    @Override
    public void close() throws IOException {
      store.close();
      if (resources != null) {
        resources.close();
      }
    }
  }

  /**
   * Opens a store from the settings; {@code migrate} creates or upgrades its tables first, and
   * {@code create} lets it create a database that does not exist yet (a SQLite file).
   */
  interface Opener {
    Opened open(Settings settings, boolean migrate, boolean create);
  }

  private static final Map<String, Opener> OPENERS = new LinkedHashMap<>();

  static {
    OPENERS.put(
        "memory", (settings, migrate, create) -> new Opened(dev.errand.Stores.inMemory(), null));
    OPENERS.put("postgres", Stores::postgres);
    OPENERS.put("sqlite", Stores::sqlite);
    OPENERS.put("redis", Stores::redis);
  }

  private Stores() {}

  /** Opens the store; only one that is migrated now may be created. */
  static Opened open(Settings settings, boolean migrate) {
    return open(settings, migrate, migrate);
  }

  /** Opens the store for {@code errand migrate}: it may be created, and is not migrated yet. */
  static Opened openToMigrate(Settings settings) {
    return open(settings, false, true);
  }

  private static Opened open(Settings settings, boolean migrate, boolean create) {
    String name = settings.get(Settings.STORE, "memory");
    Opener opener = OPENERS.get(name);
    if (opener == null) {
      throw new IllegalArgumentException(
          "store must be one of " + String.join(", ", OPENERS.keySet()) + ", was '" + name + "'");
    }
    return opener.open(settings, migrate, create);
  }

  /**
   * The settings with {@code file} as the SQLite store's file when they choose SQLite without a
   * URL.
   */
  static Settings sqliteFileByDefault(Settings settings, Path file) {
    if ("sqlite".equals(settings.get(Settings.STORE)) && settings.get(Settings.URL) == null) {
      return settings.withDefault(Settings.URL, SQLITE_URL + file);
    }
    return settings;
  }

  /**
   * The settings with the SQLite file {@code file} as the store when they name none, or name SQLite
   * without a URL.
   */
  static Settings sqliteByDefault(Settings settings, Path file) {
    if (settings.get(Settings.STORE) == null) {
      settings = settings.withDefault(Settings.STORE, "sqlite");
    }
    return sqliteFileByDefault(settings, file);
  }

  /**
   * The settings of the store a URL names (for {@code errand jobs move}, which opens two): postgres
   * for {@code jdbc:postgresql:}, sqlite for {@code jdbc:sqlite:}, redis for {@code redis://} and
   * {@code rediss://}; {@code schema} and {@code prefix} may be null.
   */
  static Settings byUrl(String option, String url, String schema, String prefix) {
    String store;
    if (url.startsWith("jdbc:postgresql:")) {
      store = "postgres";
    } else if (url.startsWith(SQLITE_URL)) {
      store = "sqlite";
    } else if (url.startsWith("redis://")
        || url.startsWith("rediss://")
        || url.startsWith(RedisStore.CLUSTER_SCHEME)) {
      store = "redis";
    } else {
      throw new IllegalArgumentException(
          option
              + " must be a store's URL, jdbc:postgresql://…, jdbc:sqlite:<file>,"
              + " redis://host:port or redis-cluster://host:port,…, was '"
              + url
              + "'");
    }
    Map<String, String> flags = new LinkedHashMap<>();
    flags.put(Settings.STORE, store);
    flags.put(Settings.URL, url);
    flags.put(Settings.SCHEMA, schema);
    flags.put(Settings.PREFIX, prefix);
    return Settings.load(flags, Map.of(), null);
  }

  /** Whether opening the store creates its file: a SQLite file that does not exist yet. */
  static boolean createsFile(Settings settings) {
    String url = settings.get(Settings.URL);
    return "sqlite".equals(settings.get(Settings.STORE))
        && url != null
        && url.startsWith(SQLITE_URL)
        && !Files.exists(Path.of(url.substring(SQLITE_URL.length())));
  }

  /** Names the store the settings choose, for a reader: which one, and where its data lives. */
  static String describe(Settings settings) {
    String name = settings.get(Settings.STORE, "memory");
    return switch (name) {
      case "memory" -> "the in-memory store (its jobs are gone when it stops)";
      case "postgres" ->
          "PostgreSQL, schema " + settings.get(Settings.SCHEMA, PostgresStore.DEFAULT_SCHEMA);
      case "sqlite" ->
          "the SQLite file " + settings.get(Settings.URL, "").substring(SQLITE_URL.length());
      case "redis" -> describeRedis(settings);
      default -> "the " + name + " store";
    };
  }

  private static Opened postgres(Settings settings, boolean migrate, boolean create) {
    HikariDataSource dataSource = new HikariDataSource(poolConfig(settings));
    try {
      PostgresStore store = postgresStore(settings, dataSource, true);
      if (migrate) {
        store.migrate();
      }
      return new Opened(store, dataSource);
    } catch (RuntimeException e) {
      dataSource.close();
      throw e;
    }
  }

  /** The SQLite URL's prefix; the rest is the file's path. */
  static final String SQLITE_URL = "jdbc:sqlite:";

  private static Opened sqlite(Settings settings, boolean migrate, boolean create) {
    String url = settings.require(Settings.URL, "the sqlite store needs a URL, jdbc:sqlite:<file>");
    if (!url.startsWith(SQLITE_URL) || url.length() == SQLITE_URL.length()) {
      throw new IllegalArgumentException(
          "url must be jdbc:sqlite: followed by the database file's path, was '" + url + "'");
    }
    Path file = Path.of(url.substring(SQLITE_URL.length()));
    if (!create && !Files.exists(file)) {
      // Opening would create it: a mistyped path would leave an empty database (and a lock file)
      // behind and report an empty store.
      throw new IllegalArgumentException(
          "there is no SQLite file "
              + file
              + ": check --url, or create it with 'errand migrate --store sqlite --url "
              + url
              + "'");
    }
    SqliteStore store = SqliteStore.builder(file).build();
    try {
      if (migrate) {
        store.migrate();
      }
      return new Opened(store, null);
    } catch (RuntimeException e) {
      store.close();
      throw e;
    }
  }

  /** The Redis store's URL when none is given: a server on this machine, at Redis's port. */
  static final String REDIS_URL = "redis://127.0.0.1:6379";

  /**
   * Opens Redis: it keeps no tables, so there is nothing to migrate or create; its keys are made as
   * jobs are written.
   */
  private static Opened redis(Settings settings, boolean migrate, boolean create) {
    String cluster = clusterUrl(settings);
    RedisStore.Builder builder =
        RedisStore.builder(cluster != null ? cluster : redisUrl(settings).toString());
    try {
      builder.prefix(settings.get(Settings.PREFIX, ""));
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException(
          Settings.PREFIX + " (from " + settings.source(Settings.PREFIX) + "): " + e.getMessage());
    }
    // The store asks the server for its settings as it is built: a server that cannot reach Redis
    // refuses to start, instead of starting and failing every request.
    try {
      return new Opened(builder.build(), null);
    } catch (StoreException e) {
      Throwable why = e.getCause() == null ? e : e.getCause();
      throw new StoreException(
          "cannot use " + describeRedis(settings) + ": " + why.getMessage(), why);
    }
  }

  /** The Redis URL of the settings, {@link #REDIS_URL} when they give none, checked. */
  private static URI redisUrl(Settings settings) {
    String url = settings.get(Settings.URL, REDIS_URL);
    URI uri;
    try {
      uri = new URI(url);
    } catch (URISyntaxException e) {
      uri = null;
    }
    // Checked here rather than by Jedis, which would take a path that is not a database number
    // for a NumberFormatException, and a URL without a host for localhost.
    if (uri == null
        || !("redis".equals(uri.getScheme()) || "rediss".equals(uri.getScheme()))
        || uri.getHost() == null
        || !(uri.getPath() == null || uri.getPath().matches("/?|/[0-9]{1,5}"))) {
      throw new IllegalArgumentException(
          "url must be a Redis URL, redis://host[:port][/db] (rediss:// for TLS), was '"
              + url
              + "'");
    }
    return uri;
  }

  /**
   * The settings' URL when it names a Redis Cluster ({@code redis-cluster://host:port,…}, checked
   * as the store reads it), else null.
   */
  private static String clusterUrl(Settings settings) {
    String url = settings.get(Settings.URL, REDIS_URL);
    if (!url.startsWith(RedisStore.CLUSTER_SCHEME)) {
      return null;
    }
    try {
      RedisStore.builder(url);
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException("url: " + e.getMessage());
    }
    return url;
  }

  /** Where the Redis store's jobs live, without the URL's password. */
  private static String describeRedis(Settings settings) {
    String prefix = settings.get(Settings.PREFIX, "");
    String cluster = clusterUrl(settings);
    if (cluster != null) {
      return "the Redis Cluster of "
          + cluster.substring(RedisStore.CLUSTER_SCHEME.length())
          + " (keys under {"
          + (prefix.isEmpty() ? "errand" : prefix)
          + "}:)";
    }
    URI url = redisUrl(settings);
    return "Redis at "
        + url.getHost()
        + (url.getPort() == -1 ? "" : ":" + url.getPort())
        + (url.getPath() == null || url.getPath().length() <= 1 ? "" : url.getPath())
        + (prefix.isEmpty() ? "" : " (keys under " + prefix + ":)");
  }

  /** Fails, saying what to run, when {@code store}'s tables are older than this version's. */
  static void checkMigrated(Store store) {
    store.migrations().ifPresent(SchemaMigrations::checkMigrated);
  }

  static PostgresStore postgresStore(
      Settings settings, javax.sql.DataSource dataSource, boolean listen) {
    return PostgresStore.builder(dataSource)
        .schema(settings.get(Settings.SCHEMA, PostgresStore.DEFAULT_SCHEMA))
        .listen(listen)
        .build();
  }

  private static HikariConfig poolConfig(Settings settings) {
    String url = settings.require(Settings.URL, "the postgres store needs a JDBC URL");
    if (!url.startsWith("jdbc:postgresql:")) {
      throw new IllegalArgumentException(
          "url must be a JDBC URL starting with jdbc:postgresql:, was '" + url + "'");
    }
    HikariConfig config = new HikariConfig();
    config.setJdbcUrl(url);
    config.setPoolName("errand");
    config.setMaximumPoolSize(settings.getInt(Settings.POOL_SIZE, 10, 1, 1_000));
    return config;
  }
}
