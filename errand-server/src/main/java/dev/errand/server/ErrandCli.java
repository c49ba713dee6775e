package dev.errand.server;

import dev.errand.Config;
import dev.errand.Errand;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * Errand's command line, behind {@code ./errand}. Commands that read or change jobs and queues open
 * the store directly (PostgreSQL, a SQLite file or Redis: the memory store of a CLI process is
 * empty). Exit codes: 0 success, 1 the command failed (no such job, store unreachable), 2 bad usage
 * or configuration. Each command is a class of its own ({@link ServerCommand}, {@link
 * MigrateCommand}, {@link JobsCommand}, {@link QueuesCommand}, {@link EnqueueCommand}, {@link
 * DemoCommand}); this one is the top-level command and what they share: the store options and how a
 * command opens the store.
 */
@Command(
    name = "errand",
    mixinStandardHelpOptions = true,
    version = "errand 0.1.0",
    description = "Background jobs for Java: server, migrations, jobs and queues, demo.",
    subcommands = {
      ServerCommand.class,
      MigrateCommand.class,
      JobsCommand.class,
      QueuesCommand.class,
      EnqueueCommand.class,
      DemoCommand.class
    },
    footer = {
      "",
      "Settings come from flags, else ERRAND_* environment variables (--pool-size ->",
      "ERRAND_POOL_SIZE), else the --config properties file (pool-size=4)."
    })
public final class ErrandCli implements Callable<Integer> {
  /**
   * The SQLite file, in the working directory, that {@code errand server} keeps its jobs in when no
   * store is named, and that {@code --store sqlite} without {@code --url} opens.
   */
  static final String DEFAULT_FILE_NAME = "errand.db";

  final PrintStream out;
  final PrintStream err;
  final Map<String, String> env;

  /** Where {@link #DEFAULT_FILE_NAME} lives: the process's working directory, or a test's. */
  final Path workingDirectory;

  /** Counted down to stop a running {@code errand server}: by Ctrl-C, or by a test. */
  final CountDownLatch stopServer = new CountDownLatch(1);

  ErrandCli(PrintStream out, PrintStream err, Map<String, String> env, Path workingDirectory) {
    this.out = out;
    this.err = err;
    this.env = env;
    this.workingDirectory = workingDirectory.toAbsolutePath();
  }

  public static void main(String[] args) {
    System.exit(run(args, System.out, System.err, System.getenv()));
  }

  /** Runs {@code args} in the process's working directory; the exit code. */
  static int run(String[] args, PrintStream out, PrintStream err, Map<String, String> env) {
    return new ErrandCli(out, err, env, Path.of("")).run(args);
  }

  /** The SQLite file a store that is not named, or SQLite without a URL, defaults to. */
  Path defaultFile() {
    return workingDirectory.resolve(DEFAULT_FILE_NAME);
  }

  /** Runs {@code args} on this command line; the exit code. */
  int run(String... args) {
    CommandLine cli = new CommandLine(this);
    cli.setOut(new PrintWriter(out, true, StandardCharsets.UTF_8));
    cli.setErr(new PrintWriter(err, true, StandardCharsets.UTF_8));
    cli.setExecutionExceptionHandler(
        (e, commandLine, parseResult) -> {
          err.println("errand: " + message(e));
          // An ApiError is a flag refused in the API's words (errand enqueue reads its flags with
          // the API's reader): bad usage, like an IllegalArgumentException.
          return e instanceof IllegalArgumentException || e instanceof ApiError ? 2 : 1;
        });
    return cli.execute(args);
  }

  private static String message(Exception e) {
    String message = e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
    Throwable cause = e.getCause();
    if (cause != null && cause.getMessage() != null && !message.contains(cause.getMessage())) {
      message += ": " + cause.getMessage();
    }
    return message;
  }

  @Override
  public Integer call() {
    return usage(err, this);
  }

  /** Prints {@code command}'s usage, for a command run without its subcommand; exit code 2. */
  static int usage(PrintStream err, Object command) {
    err.print(new CommandLine(command).getUsageMessage());
    return 2;
  }

  /** The store settings every command that opens the store takes. */
  static final class StoreOptions {
    @Option(names = "--config", paramLabel = "FILE", description = "a properties file of settings")
    Path config;

    @Option(
        names = "--store",
        description =
            "memory, postgres, sqlite or redis (errand server and errand demo: sqlite unless"
                + " named)")
    String store;

    @Option(
        names = "--url",
        description =
            "the store's URL: jdbc:postgresql:…, jdbc:sqlite:<file> (sqlite without it: "
                + DEFAULT_FILE_NAME
                + " in the working directory; errand demo: a file of its own), or"
                + " redis://host:port[/db] or redis-cluster://host:port,… (redis without it: "
                + Stores.REDIS_URL
                + ")")
    String url;

    @Option(names = "--schema", description = "the postgres schema (default: errand)")
    String schema;

    @Option(
        names = "--prefix",
        description =
            "the redis key prefix: every key under PREFIX: (default: none; errand demo: "
                + DemoCommand.REDIS_PREFIX
                + ")")
    String prefix;

    @Option(names = "--pool-size", description = "connections to the postgres store (default: 10)")
    String poolSize;

    Settings settings(Map<String, String> env, Map<String, String> more) {
      Map<String, String> flags = new LinkedHashMap<>(more);
      flags.put(Settings.STORE, store);
      flags.put(Settings.URL, url);
      flags.put(Settings.SCHEMA, schema);
      flags.put(Settings.PREFIX, prefix);
      flags.put(Settings.POOL_SIZE, poolSize);
      return Settings.load(flags, env, config);
    }
  }

  /** Opens the store, runs {@code action} on an insert-only Errand, closes everything. */
  static int withErrand(ErrandCli root, StoreOptions options, boolean migrate, ErrandAction action)
      throws Exception {
    Settings settings = options.settings(root.env, Map.of());
    // A CLI process's own memory store starts empty and is gone when it exits: a job enqueued
    // there would be reported stored and then lost.
    String store = settings.get(Settings.STORE);
    if (store == null || store.equals("memory")) {
      throw new IllegalArgumentException(
          (store == null ? "no store named" : "the memory store of a command-line process is empty")
              + ": name the store the jobs live in, --store postgres --url"
              + " 'jdbc:postgresql://host/db?user=...' [--schema errand], or --store sqlite [--url"
              + " jdbc:sqlite:<file>; without it, "
              + DEFAULT_FILE_NAME
              + " in the working directory, errand server's default], or --store redis [--url"
              + " redis://host:port; without it, "
              + Stores.REDIS_URL
              + "] [--prefix app] (or ERRAND_STORE and ERRAND_URL)");
    }
    settings = Stores.sqliteFileByDefault(settings, root.defaultFile());
    try (Stores.Opened opened = Stores.open(settings, migrate)) {
      // Before anything else: a store without tables (a wrong schema, a new file) gets a message
      // that says what to run, instead of an SQL error from the first query.
      Stores.checkMigrated(opened.store());
      Errand errand = Errand.create(Config.builder(opened.store()).build());
      return action.run(errand);
    }
  }

  interface ErrandAction {
    int run(Errand errand) throws Exception;
  }

  /** {@code text}, cut to {@code width} characters with an ellipsis when longer: for tables. */
  static String fit(String text, int width) {
    return text.length() <= width ? text : text.substring(0, width - 1) + "…";
  }
}
