package dev.errand.server;

import dev.errand.Config;
import dev.errand.Errand;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.stream.Collectors;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParentCommand;

/** {@code errand server}: the HTTP API and the worker protocol on the store, until stopped. */
@Command(
    name = "server",
    mixinStandardHelpOptions = true,
    description = {
      "Runs the HTTP API and the worker protocol until stopped (Ctrl-C).",
      "Keeps its jobs in the SQLite file "
          + ErrandCli.DEFAULT_FILE_NAME
          + " in the working directory, created",
      "if missing, and says so at start; --store names another store: sqlite --url",
      "jdbc:sqlite:<file>, postgres --url jdbc:postgresql:..., redis [--url",
      "redis://host:port] [--prefix app], or memory (its jobs are gone when it stops).",
      "Binds 127.0.0.1 unless --host says otherwise; any other address needs --token."
    })
final class ServerCommand implements Callable<Integer> {
  @ParentCommand ErrandCli root;
  @Mixin ErrandCli.StoreOptions store;

  @Option(names = "--host", description = "the address to bind (default: 127.0.0.1)")
  String host;

  @Option(names = "--port", description = "the port (default: 8080; 0 picks one)")
  String port;

  @Option(names = "--token", description = "the bearer token requests must carry")
  String token;

  @Option(
      names = "--read-only-token",
      description =
          "a second token, beside --token, that reads and changes nothing (API GETs, the"
              + " dashboard's pages)")
  String readOnlyToken;

  @Option(
      names = "--allowed-hosts",
      description =
          "comma-separated host names requests may address besides localhost and the loopback"
              + " addresses (the Host header; refused otherwise, against DNS rebinding)")
  String allowedHosts;

  @Option(
      names = "--dashboard-path",
      description =
          "where the dashboard's pages begin, such as /errand (/errand/jobs), behind a proxy"
              + " that serves other things at the root (default: the root)")
  String dashboardPath;

  @Option(
      names = "--queues",
      description = "comma-separated queues the API accepts, or * for any (default: default)")
  String queues;

  @Option(names = "--max-body-bytes", description = "the largest request body (default: 4 MiB)")
  String maxBodyBytes;

  @Option(names = "--max-args-bytes", description = "the largest job args (default: 1 MiB)")
  String maxArgsBytes;

  @Option(
      names = "--no-migrate",
      description =
          "do not create or upgrade the store's tables (they are applied with errand migrate"
              + " or a migration tool); refuse to start when they are older than this server")
  boolean noMigrate;

  @Override
  public Integer call() throws Exception {
    Map<String, String> flags = new LinkedHashMap<>();
    flags.put(Settings.HOST, host);
    flags.put(Settings.PORT, port);
    flags.put(Settings.TOKEN, token);
    flags.put(Settings.READ_ONLY_TOKEN, readOnlyToken);
    flags.put(Settings.ALLOWED_HOSTS, allowedHosts);
    flags.put(Settings.DASHBOARD_PATH, dashboardPath);
    flags.put(Settings.QUEUES, queues);
    flags.put(Settings.MAX_BODY_BYTES, maxBodyBytes);
    flags.put(Settings.MAX_ARGS_BYTES, maxArgsBytes);
    Settings settings = Stores.sqliteByDefault(store.settings(root.env, flags), root.defaultFile());
    ServerOptions options = serverOptions(settings);
    int maxArgs =
        settings.getInt(
            Settings.MAX_ARGS_BYTES, Config.DEFAULT_MAX_ARGS_BYTES, 1, Integer.MAX_VALUE);
    boolean createsFile = Stores.createsFile(settings);
    Stores.Opened opened = Stores.open(settings, !noMigrate);
    Errand errand;
    ApiServer server;
    try {
      if (noMigrate) {
        Stores.checkMigrated(opened.store());
      }
      // No local queues: workers are external. Started, it still rescues expired leases.
      errand = Errand.create(Config.builder(opened.store()).maxArgsBytes(maxArgs).build()).start();
      server = new ApiServer(errand, options).start();
    } catch (RuntimeException e) {
      opened.close();
      throw e;
    }
    root.out.println(
        "errand server on " + Stores.describe(settings) + (createsFile ? " (created)" : ""));
    root.out.println(
        "errand server listening on http://"
            + options.host()
            + ":"
            + server.port()
            + (options.token() == null ? " (no token)" : " (bearer token required)")
            + "; Ctrl-C stops it");
    // Ctrl-C (or a test) asks the server to stop; the JVM waits until it has closed the store.
    CountDownLatch closed = new CountDownLatch(1);
    Thread onExit =
        new Thread(
            () -> {
              root.stopServer.countDown();
              try {
                closed.await();
              } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
              }
            });
    Runtime.getRuntime().addShutdownHook(onExit);
    root.stopServer.await();
    server.close();
    errand.close();
    opened.close();
    closed.countDown();
    try {
      Runtime.getRuntime().removeShutdownHook(onExit);
    } catch (IllegalStateException e) {
      // the JVM is exiting: the hook is running
    }
    return 0;
  }

  static ServerOptions serverOptions(Settings settings) {
    Set<String> names = commaSeparated(settings.get(Settings.QUEUES, Config.DEFAULT_QUEUE));
    for (String name : names) {
      if (!name.equals(ServerOptions.ANY_QUEUE)) {
        Config.checkQueueName(name);
      }
    }
    return new ServerOptions(
        settings.get(Settings.HOST, ServerOptions.DEFAULT_HOST),
        settings.getInt(Settings.PORT, ServerOptions.DEFAULT_PORT, 0, 65_535),
        settings.get(Settings.TOKEN),
        settings.getInt(
            Settings.MAX_BODY_BYTES,
            (int) ServerOptions.DEFAULT_MAX_BODY_BYTES,
            1024,
            Integer.MAX_VALUE),
        names,
        commaSeparated(settings.get(Settings.ALLOWED_HOSTS, "")),
        settings.get(Settings.READ_ONLY_TOKEN),
        settings.get(Settings.DASHBOARD_PATH, ""));
  }

  private static Set<String> commaSeparated(String list) {
    return Arrays.stream(list.split(","))
        .map(String::trim)
        .filter(s -> !s.isEmpty())
        .collect(Collectors.toSet());
  }
}
