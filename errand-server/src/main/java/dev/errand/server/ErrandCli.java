package dev.errand.server;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import dev.errand.AttemptError;
import dev.errand.Config;
import dev.errand.EnqueueOptions;
import dev.errand.Enqueued;
import dev.errand.Errand;
import dev.errand.JobInfo;
import dev.errand.JobPage;
import dev.errand.JobQuery;
import dev.errand.JobState;
import dev.errand.QueueInfo;
import dev.errand.RawArgs;
import dev.errand.StoreException;
import dev.errand.UniqueOptions;
import dev.errand.postgres.PostgresStore;
import dev.errand.sqlite.SqliteStore;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.postgresql.ds.PGSimpleDataSource;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;

/**
 * Errand's command line, behind {@code ./errand}. Commands that read or change jobs and queues open
 * the store directly (PostgreSQL in practice: the memory store of a CLI process is empty). Exit
 * codes: 0 success, 1 the command failed (no such job, store unreachable), 2 bad usage or
 * configuration.
 */
@Command(
    name = "errand",
    mixinStandardHelpOptions = true,
    version = "errand 0.1.0",
    description = "Background jobs for Java: server, migrations, jobs and queues, demo.",
    subcommands = {
      ErrandCli.ServerCommand.class,
      ErrandCli.MigrateCommand.class,
      ErrandCli.JobsCommand.class,
      ErrandCli.QueuesCommand.class,
      ErrandCli.EnqueueCommand.class,
      ErrandCli.DemoCommand.class
    },
    footer = {
      "",
      "Settings come from flags, else ERRAND_* environment variables (--pool-size ->",
      "ERRAND_POOL_SIZE), else the --config properties file (pool-size=4)."
    })
public final class ErrandCli implements Callable<Integer> {
  final PrintStream out;
  final PrintStream err;
  final Map<String, String> env;

  /** Counted down to stop a running {@code errand server}: by Ctrl-C, or by a test. */
  final CountDownLatch stopServer = new CountDownLatch(1);

  ErrandCli(PrintStream out, PrintStream err, Map<String, String> env) {
    this.out = out;
    this.err = err;
    this.env = env;
  }

  public static void main(String[] args) {
    System.exit(run(args, System.out, System.err, System.getenv()));
  }

  /** Runs {@code args}; the exit code. */
  static int run(String[] args, PrintStream out, PrintStream err, Map<String, String> env) {
    return new ErrandCli(out, err, env).run(args);
  }

  /** Runs {@code args} on this command line; the exit code. */
  int run(String... args) {
    CommandLine cli = new CommandLine(this);
    cli.setOut(new PrintWriter(out, true, StandardCharsets.UTF_8));
    cli.setErr(new PrintWriter(err, true, StandardCharsets.UTF_8));
    cli.setExecutionExceptionHandler(
        (e, commandLine, parseResult) -> {
          err.println("errand: " + message(e));
          return e instanceof IllegalArgumentException ? 2 : 1;
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
    err.print(new CommandLine(this).getUsageMessage());
    return 2;
  }

  /** The store settings every command that opens the store takes. */
  static final class StoreOptions {
    @Option(names = "--config", paramLabel = "FILE", description = "a properties file of settings")
    Path config;

    @Option(names = "--store", description = "memory, postgres or sqlite (default: memory)")
    String store;

    @Option(
        names = "--url",
        description = "the store's JDBC URL: jdbc:postgresql:…, or jdbc:sqlite:<file>")
    String url;

    @Option(names = "--schema", description = "the postgres schema (default: errand)")
    String schema;

    @Option(names = "--pool-size", description = "connections to the postgres store (default: 10)")
    String poolSize;

    Settings settings(Map<String, String> env, Map<String, String> more) {
      Map<String, String> flags = new LinkedHashMap<>(more);
      flags.put(Settings.STORE, store);
      flags.put(Settings.URL, url);
      flags.put(Settings.SCHEMA, schema);
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
              + " 'jdbc:postgresql://host/db?user=...' [--schema errand], or --store sqlite --url"
              + " jdbc:sqlite:<file> (or ERRAND_STORE and ERRAND_URL)");
    }
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

  @Command(
      name = "server",
      mixinStandardHelpOptions = true,
      description = {
        "Runs the HTTP API and the worker protocol until stopped (Ctrl-C).",
        "Binds 127.0.0.1 unless --host says otherwise; any other address needs --token."
      })
  static final class ServerCommand implements Callable<Integer> {
    @ParentCommand ErrandCli root;
    @Mixin StoreOptions store;

    @Option(names = "--host", description = "the address to bind (default: 127.0.0.1)")
    String host;

    @Option(names = "--port", description = "the port (default: 8080; 0 picks one)")
    String port;

    @Option(names = "--token", description = "the bearer token requests must carry")
    String token;

    @Option(
        names = "--allowed-hosts",
        description =
            "comma-separated host names requests may address besides localhost and the loopback"
                + " addresses (the Host header; refused otherwise, against DNS rebinding)")
    String allowedHosts;

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
      flags.put(Settings.ALLOWED_HOSTS, allowedHosts);
      flags.put(Settings.QUEUES, queues);
      flags.put(Settings.MAX_BODY_BYTES, maxBodyBytes);
      flags.put(Settings.MAX_ARGS_BYTES, maxArgsBytes);
      Settings settings = store.settings(root.env, flags);
      ServerOptions options = serverOptions(settings);
      int maxArgs =
          settings.getInt(
              Settings.MAX_ARGS_BYTES, Config.DEFAULT_MAX_ARGS_BYTES, 1, Integer.MAX_VALUE);
      Stores.Opened opened = Stores.open(settings, !noMigrate);
      Errand errand;
      ApiServer server;
      try {
        if (noMigrate) {
          Stores.checkMigrated(opened.store());
        }
        // No local queues: workers are external. Started, it still rescues expired leases.
        errand =
            Errand.create(Config.builder(opened.store()).maxArgsBytes(maxArgs).build()).start();
        server = new ApiServer(errand, options).start();
      } catch (RuntimeException e) {
        opened.close();
        throw e;
      }
      root.out.println(
          "errand server listening on http://"
              + options.host()
              + ":"
              + server.port()
              + " (store: "
              + settings.get(Settings.STORE, "memory")
              + (options.token() == null ? ", no token" : ", bearer token required")
              + "); Ctrl-C stops it");
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
          commaSeparated(settings.get(Settings.ALLOWED_HOSTS, "")));
    }

    private static Set<String> commaSeparated(String list) {
      return Arrays.stream(list.split(","))
          .map(String::trim)
          .filter(s -> !s.isEmpty())
          .collect(Collectors.toSet());
    }
  }

  @Command(
      name = "migrate",
      mixinStandardHelpOptions = true,
      description =
          "Creates or upgrades the store's tables (postgres or sqlite), or prints the PostgreSQL"
              + " SQL.")
  static final class MigrateCommand implements Callable<Integer> {
    @ParentCommand ErrandCli root;
    @Mixin StoreOptions store;

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
      Settings settings = store.settings(root.env, Map.of(Settings.STORE, "postgres"));
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
      try (Stores.Opened opened = Stores.openToMigrate(settings)) {
        if (opened.store() instanceof SqliteStore sqlite) {
          var applied = sqlite.migrate();
          root.out.println(
              applied.isEmpty()
                  ? "file " + sqlite.file() + " is up to date"
                  : "applied migrations " + applied);
          return 0;
        }
        if (!(opened.store() instanceof PostgresStore pg)) {
          throw new IllegalArgumentException(
              "migrate needs a postgres or sqlite store, was '"
                  + settings.get(Settings.STORE, "memory")
                  + "'");
        }
        var applied = pg.migrate();
        root.out.println(
            applied.isEmpty()
                ? "schema " + settings.get(Settings.SCHEMA, "errand") + " is up to date"
                : "applied migrations " + applied);
      }
      return 0;
    }
  }

  @Command(
      name = "jobs",
      mixinStandardHelpOptions = true,
      description = "Lists, shows, retries and cancels jobs.",
      subcommands = {
        JobsCommand.ListJobs.class,
        JobsCommand.Show.class,
        JobsCommand.Retry.class,
        JobsCommand.Cancel.class
      })
  static final class JobsCommand implements Callable<Integer> {
    @ParentCommand ErrandCli root;

    @Override
    public Integer call() {
      root.err.print(new CommandLine(this).getUsageMessage());
      return 2;
    }

    @Command(
        name = "list",
        mixinStandardHelpOptions = true,
        description = "Lists jobs, oldest first.")
    static final class ListJobs implements Callable<Integer> {
      @ParentCommand JobsCommand jobs;
      @Mixin StoreOptions store;

      @Option(names = "--state", split = ",", description = "only these states")
      Set<String> states;

      @Option(names = "--queue", description = "only this queue")
      String queue;

      @Option(names = "--kind", description = "only this kind")
      String kind;

      @Option(names = "--limit", defaultValue = "50", description = "most jobs (default: 50)")
      int limit;

      @Option(names = "--after", defaultValue = "0", description = "only ids above this")
      long after;

      @Override
      public Integer call() throws Exception {
        JobQuery query = JobQuery.all().withLimit(limit).withAfterId(after);
        if (states != null) {
          query = query.withStates(states.stream().map(ErrandCli::state).toArray(JobState[]::new));
        }
        if (queue != null) {
          query = query.withQueue(queue);
        }
        if (kind != null) {
          query = query.withKind(kind);
        }
        JobQuery q = query;
        PrintStream out = jobs.root.out;
        return withErrand(
            jobs.root,
            store,
            false,
            errand -> {
              JobPage page = errand.jobs().list(q);
              out.println(jobRow("ID", "STATE", "QUEUE", "KIND", "TRY", "DUE OR ENDED (UTC)"));
              for (JobInfo job : page.jobs()) {
                out.println(
                    jobRow(
                        Long.toString(job.id()),
                        JobJson.state(job.state()),
                        job.queue(),
                        job.kind(),
                        job.attempt() + "/" + job.maxAttempts(),
                        utc(job.finalizedAt() != null ? job.finalizedAt() : job.scheduledAt())));
              }
              if (page.hasNext()) {
                out.println("more: --after " + page.nextAfterId());
              }
              return 0;
            });
      }
    }

    @Command(
        name = "show",
        mixinStandardHelpOptions = true,
        description = "Prints a job: its fields, args and last error.")
    static final class Show implements Callable<Integer> {
      @ParentCommand JobsCommand jobs;
      @Mixin StoreOptions store;

      @Parameters(paramLabel = "ID", description = "the job id")
      long id;

      @Option(names = "--json", description = "print the job as the HTTP API's JSON")
      boolean json;

      @Override
      public Integer call() throws Exception {
        return withErrand(
            jobs.root,
            store,
            false,
            errand -> printJob(jobs.root, id, errand.jobs().get(id).orElse(null), json));
      }
    }

    @Command(name = "retry", mixinStandardHelpOptions = true, description = "Runs a job again now.")
    static final class Retry implements Callable<Integer> {
      @ParentCommand JobsCommand jobs;
      @Mixin StoreOptions store;

      @Parameters(paramLabel = "ID", description = "the job id")
      long id;

      @Override
      public Integer call() throws Exception {
        return withErrand(
            jobs.root,
            store,
            false,
            errand -> printState(jobs.root, id, errand.jobs().retry(id).orElse(null)));
      }
    }

    @Command(name = "cancel", mixinStandardHelpOptions = true, description = "Cancels a job.")
    static final class Cancel implements Callable<Integer> {
      @ParentCommand JobsCommand jobs;
      @Mixin StoreOptions store;

      @Parameters(paramLabel = "ID", description = "the job id")
      long id;

      @Override
      public Integer call() throws Exception {
        return withErrand(
            jobs.root,
            store,
            false,
            errand -> printState(jobs.root, id, errand.jobs().cancel(id).orElse(null)));
      }
    }
  }

  @Command(
      name = "queues",
      mixinStandardHelpOptions = true,
      description = "Lists, pauses and resumes queues.",
      subcommands = {
        QueuesCommand.ListQueues.class,
        QueuesCommand.Pause.class,
        QueuesCommand.Resume.class
      })
  static final class QueuesCommand implements Callable<Integer> {
    @ParentCommand ErrandCli root;

    @Override
    public Integer call() {
      root.err.print(new CommandLine(this).getUsageMessage());
      return 2;
    }

    @Command(
        name = "list",
        mixinStandardHelpOptions = true,
        description = "Lists queues with counts per state.")
    static final class ListQueues implements Callable<Integer> {
      @ParentCommand QueuesCommand queues;
      @Mixin StoreOptions store;

      @Override
      public Integer call() throws Exception {
        PrintStream out = queues.root.out;
        return withErrand(
            queues.root,
            store,
            false,
            errand -> {
              // 78 columns: each count as wide as its short header, at least 6.
              StringBuilder header =
                  new StringBuilder(String.format("%-12s %-6s", "QUEUE", "PAUSED"));
              for (JobState state : JobState.values()) {
                header.append(
                    String.format(" %" + countWidth(state) + "s", QUEUE_COLUMNS.get(state)));
              }
              out.println(header);
              for (QueueInfo queue : errand.queues().list()) {
                StringBuilder row =
                    new StringBuilder(
                        String.format(
                            "%-12s %-6s", fit(queue.name(), 12), queue.paused() ? "yes" : "no"));
                for (JobState state : JobState.values()) {
                  row.append(String.format(" %" + countWidth(state) + "d", queue.count(state)));
                }
                out.println(row);
              }
              return 0;
            });
      }
    }

    @Command(
        name = "pause",
        mixinStandardHelpOptions = true,
        description = "Stops every node fetching from a queue.")
    static final class Pause implements Callable<Integer> {
      @ParentCommand QueuesCommand queues;
      @Mixin StoreOptions store;

      @Parameters(paramLabel = "QUEUE", description = "the queue")
      String name;

      @Override
      public Integer call() throws Exception {
        return withErrand(
            queues.root,
            store,
            false,
            errand -> {
              errand.queues().pause(name);
              queues.root.out.println("queue " + name + " paused");
              return 0;
            });
      }
    }

    @Command(
        name = "resume",
        mixinStandardHelpOptions = true,
        description = "Lets nodes fetch from a queue again.")
    static final class Resume implements Callable<Integer> {
      @ParentCommand QueuesCommand queues;
      @Mixin StoreOptions store;

      @Parameters(paramLabel = "QUEUE", description = "the queue")
      String name;

      @Override
      public Integer call() throws Exception {
        return withErrand(
            queues.root,
            store,
            false,
            errand -> {
              errand.queues().resume(name);
              queues.root.out.println("queue " + name + " resumed");
              return 0;
            });
      }
    }
  }

  @Command(name = "enqueue", mixinStandardHelpOptions = true, description = "Enqueues one job.")
  static final class EnqueueCommand implements Callable<Integer> {
    @ParentCommand ErrandCli root;
    @Mixin StoreOptions store;

    @Parameters(paramLabel = "KIND", description = "the job kind")
    String kind;

    @Option(names = "--args", defaultValue = "{}", description = "the args as a JSON object")
    String args;

    @Option(names = "--queue", description = "the queue (default: default)")
    String queue;

    @Option(names = "--priority", description = "0 (first) to 9")
    Integer priority;

    @Option(names = "--max-attempts", description = "attempts before it is discarded")
    Integer maxAttempts;

    @Option(names = "--run-in", description = "a delay such as 30s, 5m, 1h30m or PT5M")
    String runIn;

    @Option(
        names = "--unique-by",
        split = ",",
        paramLabel = "PART",
        description = {
          "enqueue only if no job of this kind with equal PARTs waits, runs or completed:",
          "kind, args (the whole args), args.FIELD (one top-level field), queue"
        })
    List<String> uniqueBy;

    @Option(
        names = "--unique-period",
        paramLabel = "DURATION",
        description =
            "unique within windows of this length, such as 1h or PT1H (implies --unique-by kind)")
    String uniquePeriod;

    @Override
    public Integer call() throws Exception {
      Config.checkKind(kind);
      JsonNode node;
      try {
        node = Body.MAPPER.readTree(args);
      } catch (JsonProcessingException e) {
        throw new IllegalArgumentException("--args is not valid JSON: " + e.getOriginalMessage());
      }
      if (node == null || !node.isObject()) {
        throw new IllegalArgumentException("--args must be a JSON object");
      }
      EnqueueOptions options = EnqueueOptions.defaults();
      if (queue != null) {
        options = options.queue(queue);
      }
      if (priority != null) {
        options = options.priority(priority);
      }
      if (maxAttempts != null) {
        options = options.maxAttempts(maxAttempts);
      }
      if (runIn != null) {
        Duration delay = CliDuration.parse("--run-in", runIn);
        try {
          options = options.runIn(delay);
        } catch (IllegalArgumentException e) {
          throw new IllegalArgumentException("--run-in: " + e.getMessage(), e);
        }
      }
      UniqueOptions unique = unique();
      if (unique != null) {
        options = options.unique(unique);
      }
      EnqueueOptions o = options;
      String json = Body.MAPPER.writeValueAsString(node);
      return withErrand(
          root,
          store,
          false,
          errand -> {
            Enqueued enqueued = errand.enqueue(new RawArgs(kind, json), o);
            String state = JobJson.state(enqueued.state());
            root.out.println(
                enqueued.duplicate()
                    ? "job " + enqueued.id() + " already exists (" + state + "); nothing enqueued"
                    : "enqueued job " + enqueued.id() + " (" + state + ")");
            return 0;
          });
    }

    /** The uniqueness --unique-by and --unique-period ask for, or null for none. */
    private UniqueOptions unique() {
      if (uniqueBy == null && uniquePeriod == null) {
        return null;
      }
      UniqueOptions unique = UniqueOptions.byKind();
      List<String> fields = new ArrayList<>();
      for (String part : uniqueBy == null ? List.<String>of() : uniqueBy) {
        String p = part.trim();
        if (p.equals("args")) {
          unique = unique.byArgs();
        } else if (p.startsWith("args.") && p.length() > "args.".length()) {
          fields.add(p.substring("args.".length()));
        } else if (p.equals("queue")) {
          unique = unique.byQueue();
        } else if (!p.equals("kind")) {
          throw new IllegalArgumentException(
              "--unique-by part '" + part + "' is not one of kind, args, args.FIELD, queue");
        }
      }
      if (!fields.isEmpty()) {
        if (unique.isByArgs()) {
          throw new IllegalArgumentException(
              "--unique-by takes args or args.FIELD parts, not both");
        }
        unique = unique.byArgs(fields.toArray(String[]::new));
      }
      if (uniquePeriod != null) {
        Duration period = CliDuration.parse("--unique-period", uniquePeriod);
        try {
          unique = unique.byPeriod(period);
        } catch (IllegalArgumentException e) {
          throw new IllegalArgumentException("--unique-period: " + e.getMessage(), e);
        }
      }
      return unique;
    }
  }

  @Command(
      name = "demo",
      mixinStandardHelpOptions = true,
      description = {
        "Runs a small application's background jobs until Ctrl-C: sign-in e-mails through a",
        "flaky mail provider (retried with backoff), imports of 10,000 items fanned out, a cron",
        "job, a unique job and ticket batches, enqueued continuously, with a live progress line",
        "and the HTTP API on http://127.0.0.1:7070 to watch them. No setup: without --store it",
        "runs on a SQLite file of its own in the system's temporary directory."
      })
  static final class DemoCommand implements Callable<Integer> {
    /**
     * The demo's store when none is chosen: a SQLite file of its own, kept between runs (jobs left
     * at Ctrl-C run at the next start), out of the way of the working directory.
     */
    static final Path DEFAULT_FILE =
        Path.of(System.getProperty("java.io.tmpdir"), "errand-demo", "errand-demo.db");

    @ParentCommand ErrandCli root;
    @Mixin StoreOptions store;

    @Option(names = "--port", description = "the API's port on 127.0.0.1 (default: 7070)")
    String port;

    @Option(
        names = "--duration",
        description = {
          "enqueue for this long (such as 30s, 2m or PT30S), wait for those jobs to end,",
          "print the summary and exit; without it the demo runs until Ctrl-C"
        })
    String duration;

    @Override
    public Integer call() throws Exception {
      // Each refused mail call is a retry the progress line counts; a log line for each would
      // scroll the progress line away. The engine's own lines (node started, stopped) stay quiet
      // as well.
      System.setProperty(
          "org.slf4j.simpleLogger.log.dev.errand.internal.engine.AttemptReporter", "error");
      System.setProperty("org.slf4j.simpleLogger.log.dev.errand.internal.engine.Engine", "error");
      Duration limit = duration == null ? null : CliDuration.positive("--duration", duration);
      Settings settings = demoSettings(root.env);
      int apiPort = settings.getInt(Settings.PORT, Demo.DEFAULT_PORT, 0, 65_535);
      // Rewriting the progress line in place needs a terminal; a pipe or a file gets a line
      // every few seconds instead.
      boolean terminal = root.out == System.out && System.console() != null;
      CountDownLatch closed = new CountDownLatch(1);
      try (Stores.Opened opened = openDemoStore(settings)) {
        Demo demo = Demo.start(opened.store(), apiPort, root.out);
        demo.printIntro(Stores.describe(settings));
        // Ctrl-C: the hook asks the demo to stop and waits while it drains, stops and closes
        // the store, so that the summary is printed before the JVM exits.
        Thread hook =
            new Thread(
                () -> {
                  demo.requestStop();
                  try {
                    closed.await(30, TimeUnit.SECONDS);
                  } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                  }
                },
                "errand-demo-stop");
        Runtime.getRuntime().addShutdownHook(hook);
        try {
          return demo.run(limit, terminal).succeeded() ? 0 : 1;
        } finally {
          try {
            Runtime.getRuntime().removeShutdownHook(hook);
          } catch (IllegalStateException e) {
            // The JVM is shutting down: the hook is running and waits for us.
          }
        }
      } finally {
        closed.countDown();
      }
    }

    /** The settings, on the demo's own SQLite file when they choose no store, or no file. */
    Settings demoSettings(Map<String, String> env) {
      Map<String, String> flags = new LinkedHashMap<>();
      flags.put(Settings.PORT, port);
      Settings settings = store.settings(env, flags);
      String chosen = settings.get(Settings.STORE);
      if (settings.get(Settings.URL) == null && (chosen == null || chosen.equals("sqlite"))) {
        store.store = "sqlite";
        store.url = Stores.SQLITE_URL + DEFAULT_FILE;
        settings = store.settings(env, flags);
      }
      return settings;
    }
  }

  /** Opens the store; a SQLite file another store holds is most likely another demo's. */
  static Stores.Opened openDemoStore(Settings settings) {
    try {
      return Stores.open(settings, true);
    } catch (StoreException e) {
      if (!"sqlite".equals(settings.get(Settings.STORE))
          || !e.getMessage().contains("already open")) {
        throw e;
      }
      throw new IllegalStateException(
          e.getMessage()
              + ". Is another errand demo running? Stop it, or give this one a file of its own:"
              + " --store sqlite --url jdbc:sqlite:<file>");
    }
  }

  static JobState state(String text) {
    try {
      return JobState.valueOf(text.trim().toUpperCase(Locale.ROOT));
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException(
          "state '"
              + text
              + "' is not one of "
              + Arrays.stream(JobState.values())
                  .map(JobJson::state)
                  .collect(Collectors.joining(", ")));
    }
  }

  /**
   * Short names of the states for {@code queues list}, so that eight counts and the queue fit 80
   * columns.
   */
  private static final Map<JobState, String> QUEUE_COLUMNS =
      Map.of(
          JobState.PENDING, "PENDING",
          JobState.SCHEDULED, "SCHED",
          JobState.AVAILABLE, "AVAIL",
          JobState.RUNNING, "RUNNING",
          JobState.RETRYABLE, "RETRY",
          JobState.COMPLETED, "DONE",
          JobState.DISCARDED, "DISCARD",
          JobState.CANCELLED, "CANCEL");

  private static final DateTimeFormatter UTC =
      DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss", Locale.ROOT).withZone(ZoneOffset.UTC);

  /** One line of {@code jobs list}: 75 columns, long names cut with an ellipsis. */
  static String jobRow(
      String id, String state, String queue, String kind, String attempt, String time) {
    return String.format(
        "%-7s %-9s %-12s %-18s %-5s %s",
        fit(id, 7), state, fit(queue, 12), fit(kind, 18), fit(attempt, 5), time);
  }

  /** {@code text}, cut to {@code width} characters with an ellipsis when longer. */
  static String fit(String text, int width) {
    return text.length() <= width ? text : text.substring(0, width - 1) + "…";
  }

  private static int countWidth(JobState state) {
    return Math.max(6, QUEUE_COLUMNS.get(state).length());
  }

  static String utc(Instant time) {
    return time == null ? "" : UTC.format(time);
  }

  static int printJob(ErrandCli root, long id, JobInfo job, boolean json)
      throws JsonProcessingException {
    if (job == null) {
      root.err.println("errand: no job " + id);
      return 1;
    }
    if (json) {
      root.out.println(
          Body.MAPPER.writerWithDefaultPrettyPrinter().writeValueAsString(JobJson.job(job)));
      return 0;
    }
    PrintStream out = root.out;
    out.println("job " + job.id() + ": " + job.kind() + " in queue " + job.queue());
    out.println("  state      " + JobJson.state(job.state()));
    out.println("  attempt    " + job.attempt() + " of " + job.maxAttempts());
    out.println("  priority   " + job.priority());
    out.println("  created    " + utc(job.createdAt()) + " UTC");
    out.println("  scheduled  " + utc(job.scheduledAt()) + " UTC");
    if (job.attemptedAt() != null) {
      out.println("  attempted  " + utc(job.attemptedAt()) + " UTC");
    }
    if (job.finalizedAt() != null) {
      out.println("  ended      " + utc(job.finalizedAt()) + " UTC");
    }
    if (job.leaseOwner() != null) {
      out.println(
          "  leased to  " + job.leaseOwner() + " until " + utc(job.leaseExpiresAt()) + " UTC");
    }
    if (!job.tags().isEmpty()) {
      out.println("  tags       " + String.join(", ", job.tags()));
    }
    job.metadata().forEach((k, v) -> out.println("  metadata   " + k + " = " + v));
    out.println("  args");
    String args =
        Body.MAPPER
            .writerWithDefaultPrettyPrinter()
            .writeValueAsString(JobJson.job(job).get("args"));
    args.lines().forEach(line -> out.println("    " + line));
    if (!job.errors().isEmpty()) {
      AttemptError last = job.errors().get(job.errors().size() - 1);
      out.println(
          "  errors     "
              + job.errors().size()
              + "; the last, of attempt "
              + last.attempt()
              + " at "
              + utc(last.at())
              + " UTC:");
      out.println("    " + last.errorClass() + ": " + last.message());
      // The stack trace as it was printed, not as an escaped JSON string.
      last.stackTrace().lines().forEach(line -> out.println("    " + line));
    }
    return 0;
  }

  static int printState(ErrandCli root, long id, JobInfo job) {
    if (job == null) {
      root.err.println("errand: no job " + id);
      return 1;
    }
    root.out.println("job " + id + ": " + JobJson.state(job.state()));
    return 0;
  }
}
