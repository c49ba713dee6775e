package dev.errand.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.errand.AttemptRef;
import dev.errand.Config;
import dev.errand.Errand;
import dev.errand.JobInfo;
import dev.errand.sqlite.SqliteStore;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The command line, run in-process: help, exit codes, settings precedence, and the store commands.
 */
class CliTest {
  private final ByteArrayOutputStream out = new ByteArrayOutputStream();
  private final ByteArrayOutputStream err = new ByteArrayOutputStream();
  private final Map<String, String> env = new HashMap<>();
  private final List<RunningServer> servers = new ArrayList<>();
  private TestPostgres pg;

  /** The Redis key prefixes the test used, whose keys are deleted after it. */
  private final List<String> redisPrefixes = new ArrayList<>();

  /** The command line's working directory: where a default SQLite file would be created. */
  @TempDir Path workingDirectory;

  @AfterEach
  void stopServersAndDropSchema() throws Exception {
    for (RunningServer server : List.copyOf(servers)) {
      server.stop();
    }
    if (pg != null) {
      pg.close();
    }
    redisPrefixes.forEach(TestRedis::dropPrefix);
  }

  /** A Redis key prefix of the test's own, whose keys are deleted after it. */
  private String redisPrefix() {
    String prefix = TestRedis.newPrefix("cli");
    redisPrefixes.add(prefix);
    return prefix;
  }

  @ParameterizedTest
  @ValueSource(
      strings = {
        "",
        "server",
        "migrate",
        "jobs",
        "jobs list",
        "jobs show",
        "jobs retry",
        "jobs cancel",
        "jobs move",
        "queues",
        "queues list",
        "queues pause",
        "queues resume",
        "enqueue",
        "demo"
      })
  void everyCommandHasHelp(String command) {
    String[] args = (command + " --help").trim().split(" ");

    assertThat(run(args)).isZero();
    assertThat(out()).startsWith("Usage: errand" + (command.isEmpty() ? "" : " " + command));
  }

  @Test
  void noCommandPrintsUsageAndExitsWith2() {
    assertThat(run()).isEqualTo(2);
    assertThat(err()).startsWith("Usage: errand");
  }

  @Test
  void anUnknownCommandExitsWith2() {
    assertThat(run("dmeo")).isEqualTo(2);
    assertThat(err()).contains("Unmatched argument at index 0: 'dmeo'");
  }

  @Test
  void migratePrintSqlPrintsEveryMigrationWithoutADatabase() {
    assertThat(run("migrate", "--print-sql", "--schema", "jobs")).isZero();
    assertThat(out())
        .startsWith("-- Errand schema for PostgreSQL, schema jobs")
        .contains("CREATE SCHEMA IF NOT EXISTS jobs;", "-- V001 ", "-- V002 ");
  }

  @Test
  void printedPostgresSqlAppliedWithPsqlLeavesNothingToMigrateAndTheServerStartsOnIt(
      @TempDir Path dir) throws Exception {
    String schema = "printed_" + Long.toString(System.nanoTime(), 36);
    env.put("ERRAND_STORE", "postgres");
    env.put("ERRAND_URL", TestPostgres.url());
    env.put("ERRAND_SCHEMA", schema);
    try {
      assertThat(run("migrate", "--print-sql")).isZero();
      Path script = dir.resolve("errand.sql");
      Files.writeString(script, out());
      Process psql =
          new ProcessBuilder(
                  "psql",
                  TestPostgres.url().substring("jdbc:".length()),
                  "-v",
                  "ON_ERROR_STOP=1",
                  "--single-transaction",
                  "-q",
                  "-f",
                  script.toString())
              .redirectErrorStream(true)
              .start();
      String psqlOutput = new String(psql.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
      assertThat(psql.waitFor()).as(psqlOutput).isZero();

      assertThat(run("migrate")).as(err()).isZero();
      assertThat(out()).isEqualTo("schema " + schema + " is up to date\n");

      RunningServer server = new RunningServer("--no-migrate");
      HttpResponse<String> health = server.get("/ready");
      assertThat(health.statusCode()).as(health.body()).isEqualTo(200);
      server.stop();
    } finally {
      TestPostgres.dropSchema(schema);
    }
  }

  @Test
  void withoutAStoreTheServerKeepsItsJobsInErrandDbInTheWorkingDirectoryAcrossRestarts()
      throws Exception {
    Path file = workingDirectory.resolve("errand.db");

    RunningServer first = new RunningServer();
    assertThat(first.printed())
        .startsWith("errand server on the SQLite file " + file + " (created)\n")
        .contains("errand server listening on http://127.0.0.1:", " (no token); Ctrl-C stops it");
    assertThat(file).exists();
    HttpResponse<String> created = first.post("/api/jobs", "{\"kind\": \"hello\"}");
    assertThat(created.statusCode()).as(created.body()).isEqualTo(201);
    first.stop();

    RunningServer second = new RunningServer();
    assertThat(second.printed()).startsWith("errand server on the SQLite file " + file + "\n");
    HttpResponse<String> job = second.get("/api/jobs/1");
    assertThat(job.statusCode()).as(job.body()).isEqualTo(200);
    assertThat(job.body()).contains("\"kind\":\"hello\"");
    second.stop();

    // --store sqlite without --url is the same file, for the server and the other commands.
    RunningServer third = new RunningServer("--store", "sqlite");
    assertThat(third.printed()).startsWith("errand server on the SQLite file " + file + "\n");
    third.stop();
    assertThat(run("jobs", "list", "--store", "sqlite")).as(err()).isZero();
    assertThat(out()).contains(" hello ");
  }

  @Test
  void theInMemoryStoreIsStillThereByNameAndLeavesNoFile() throws Exception {
    RunningServer server = new RunningServer("--store", "memory");
    assertThat(server.printed())
        .startsWith("errand server on the in-memory store (its jobs are gone when it stops)\n");
    server.stop();

    assertThat(workingDirectory.toFile().list()).isEmpty();
  }

  @Test
  void theServerWithoutMigratingRefusesASchemaWithoutTablesAndSaysWhatToRun() {
    String schema = "bare_" + Long.toString(System.nanoTime(), 36);
    env.put("ERRAND_STORE", "postgres");
    env.put("ERRAND_URL", TestPostgres.url());
    env.put("ERRAND_SCHEMA", schema);

    assertThat(run("server", "--port", "0", "--no-migrate")).isEqualTo(1);
    assertThat(err())
        .isEqualTo(
            "errand: schema "
                + schema
                + " has no Errand tables: run 'errand migrate --schema "
                + schema
                + "', or apply the SQL of 'errand migrate --print-sql --schema "
                + schema
                + "' with your migration tool\n");
  }

  @Test
  void printSqlAfterAVersionPrintsOnlyTheNewerMigrations() {
    assertThat(run("migrate", "--print-sql", "--after", "4")).isZero();
    assertThat(out())
        .contains("migrations after V4", "-- V005 ", "VALUES (5, ")
        .doesNotContain("-- V004 ", "-- V001 ");
    assertThat(run("migrate", "--print-sql", "--after", "-1")).isEqualTo(2);
    assertThat(err()).isEqualTo("errand: --after must be 0 or more, was -1\n");
  }

  @Test
  void printSqlForSqlitePrintsSqlitesScriptWhichRecordsItsVersions(@TempDir Path dir)
      throws Exception {
    assertThat(run("migrate", "--print-sql", "--store", "sqlite")).isZero();
    String script = out();
    assertThat(script).startsWith("-- Errand schema for SQLite").doesNotContain("CREATE SCHEMA");

    Path file = dir.resolve("printed.db");
    try (var c = java.sql.DriverManager.getConnection("jdbc:sqlite:" + file);
        var st = c.createStatement()) {
      st.executeUpdate(script);
    }
    try (SqliteStore store = SqliteStore.builder(file).build()) {
      store.checkMigrated();
      assertThat(store.migrate()).isEmpty();
    }
    assertThat(run("migrate", "--print-sql", "--store", "memory")).isEqualTo(2);
    assertThat(err()).startsWith("errand: --print-sql prints the postgres or sqlite script");
  }

  @Test
  void commandsThatOpenTheStoreRefuseToDefaultToMemory() {
    assertThat(run("enqueue", "hello", "--args", "{}")).isEqualTo(2);
    assertThat(err())
        .startsWith("errand: no store named: name the store the jobs live in, --store postgres");
    assertThat(out()).isEmpty();
    assertThat(run("jobs", "list")).isEqualTo(2);
    assertThat(err()).startsWith("errand: no store named: ");
    assertThat(run("queues", "list", "--store", "memory")).isEqualTo(2);
    assertThat(err())
        .startsWith("errand: the memory store of a command-line process is empty: name the store");
  }

  @Test
  void theServerRefusesAPublicAddressWithoutAToken() {
    assertThat(run("server", "--host", "0.0.0.0")).isEqualTo(2);
    assertThat(err()).startsWith("errand: host 0.0.0.0 is not a loopback address: set a token");
  }

  @Test
  void anUnknownStoreIsRefusedByName() {
    assertThat(run("queues", "list", "--store", "mongo")).isEqualTo(2);
    assertThat(err())
        .isEqualTo("errand: store must be one of memory, postgres, sqlite, redis, was 'mongo'\n");
  }

  @Test
  void flagsWinOverEnvironmentWhichWinsOverTheConfigFile(@TempDir Path dir) throws Exception {
    Path file = dir.resolve("errand.properties");
    Files.writeString(file, "port=1000\nhost=localhost\nschema=from_file\n");
    Map<String, String> flags = new HashMap<>();
    flags.put("port", "3000");
    flags.put("schema", null);

    Settings settings =
        Settings.load(flags, Map.of("ERRAND_PORT", "2000", "ERRAND_HOST", "::1"), file);

    assertThat(settings.get("port")).isEqualTo("3000");
    assertThat(settings.get("host")).isEqualTo("::1");
    assertThat(settings.get("schema")).isEqualTo("from_file");
    assertThat(settings.source("host")).isEqualTo("ERRAND_HOST");
  }

  @Test
  void aBadSettingNamesItsSource(@TempDir Path dir) throws Exception {
    Path file = dir.resolve("errand.properties");
    Files.writeString(file, "port=eighty\n");

    assertThat(run("server", "--config", file.toString())).isEqualTo(2);
    assertThat(err())
        .isEqualTo("errand: port must be an integer, was 'eighty' (from " + file + ")\n");
  }

  @Test
  void jobsAndQueuesCommandsWorkOnThePostgresStore() {
    pg = new TestPostgres();
    env.put("ERRAND_STORE", "postgres");
    env.put("ERRAND_URL", TestPostgres.url());
    env.put("ERRAND_SCHEMA", pg.schema);

    assertThat(run("enqueue", "send_mail", "--args", "{\"to\":\"ada\"}", "--queue", "mail"))
        .isZero();
    assertThat(out()).isEqualTo("enqueued job 1 (available)\n");
    assertThat(run("enqueue", "later", "--run-in", "PT1H")).isZero();

    assertThat(run("jobs", "list", "--state", "available")).isZero();
    assertThat(out()).contains("send_mail").doesNotContain("later");
    assertThat(run("jobs", "show", "1")).isZero();
    assertThat(out()).contains("job 1: send_mail in queue mail", "\"to\" : \"ada\"");
    assertThat(run("jobs", "show", "1", "--json")).isZero();
    assertThat(out()).contains("\"to\" : \"ada\"", "\"queue\" : \"mail\"");
    assertThat(run("jobs", "cancel", "1")).isZero();
    assertThat(out()).isEqualTo("job 1: cancelled\n");
    assertThat(run("jobs", "retry", "1")).isZero();
    assertThat(out()).isEqualTo("job 1: available\n");
    assertThat(run("jobs", "show", "99")).isEqualTo(1);
    assertThat(err()).isEqualTo("errand: no job 99\n");

    assertThat(run("queues", "pause", "mail")).isZero();
    assertThat(run("queues", "list")).isZero();
    assertThat(out()).containsPattern("mail +yes +0 +0 +1 ");
    assertThat(run("queues", "resume", "mail")).isZero();
    assertThat(out()).isEqualTo("queue mail resumed\n");
  }

  @Test
  void migrateAndTheStoreCommandsWorkOnASqliteFile(@TempDir Path dir) {
    Path file = dir.resolve("errand.db");
    env.put("ERRAND_STORE", "sqlite");
    env.put("ERRAND_URL", "jdbc:sqlite:" + file);

    assertThat(run("migrate")).as(err()).isZero();
    assertThat(out()).isEqualTo("applied migrations [1, 2, 3, 4, 5, 6]\n");
    assertThat(run("migrate")).isZero();
    assertThat(out()).isEqualTo("file " + file + " is up to date\n");

    assertThat(run("enqueue", "send_mail", "--args", "{\"to\":\"ada\"}", "--queue", "mail"))
        .isZero();
    assertThat(out()).isEqualTo("enqueued job 1 (available)\n");
    assertThat(run("jobs", "show", "1")).isZero();
    assertThat(out()).contains("job 1: send_mail in queue mail", "\"to\" : \"ada\"");
    assertThat(run("queues", "pause", "mail")).isZero();
    assertThat(run("queues", "list")).isZero();
    assertThat(out()).containsPattern("mail +yes +0 +0 +1 ");
  }

  @Test
  void migrateSaysRedisNeedsNoneAndTheStoreCommandsAndTheServerWorkOnRedis() throws Exception {
    String prefix = redisPrefix();
    String[] store = {"--store", "redis", "--url", TestRedis.url(), "--prefix", prefix};
    String where = "Redis at " + URI.create(TestRedis.url()).getAuthority();

    assertThat(run(with("migrate", store))).as(err()).isZero();
    assertThat(out())
        .isEqualTo(where + " (keys under " + prefix + ":) needs no migrations: nothing to do\n");
    assertThat(run("migrate", "--store", "memory")).isEqualTo(2);
    assertThat(err())
        .isEqualTo(
            "errand: migrate needs a postgres or sqlite store (redis needs no migrations), was"
                + " 'memory'\n");

    assertThat(
            run(
                with(
                    "enqueue",
                    store,
                    "send_mail",
                    "--args",
                    "{\"to\":\"ada\"}",
                    "--queue",
                    "mail")))
        .as(err())
        .isZero();
    assertThat(out()).isEqualTo("enqueued job 1 (available)\n");
    assertThat(run(with("enqueue", store, "later", "--run-in", "PT1H"))).isZero();
    assertThat(run(with("jobs", store, "list", "--state", "available"))).as(err()).isZero();
    assertThat(out()).contains(" send_mail ").doesNotContain("later");
    assertThat(run(with("jobs", store, "list"))).isZero();
    assertThat(out()).contains(" send_mail ", " later ");
    assertThat(run(with("jobs", store, "show", "1"))).isZero();
    assertThat(out()).contains("job 1: send_mail in queue mail", "\"to\" : \"ada\"");
    assertThat(run(with("jobs", store, "cancel", "1"))).isZero();
    assertThat(out()).isEqualTo("job 1: cancelled\n");
    assertThat(run(with("jobs", store, "retry", "1"))).isZero();
    assertThat(out()).isEqualTo("job 1: available\n");
    assertThat(run(with("queues", store, "pause", "mail"))).isZero();
    assertThat(run(with("queues", store, "list"))).isZero();
    assertThat(out()).containsPattern("mail +yes +0 +0 +1 ");
    assertThat(run(with("queues", store, "resume", "mail"))).isZero();

    // The server on the same keys sees the CLI's jobs, and the CLI the server's.
    RunningServer server = new RunningServer(store);
    assertThat(server.printed())
        .startsWith("errand server on " + where + " (keys under " + prefix + ":)\n");
    HttpResponse<String> job = server.get("/api/jobs/1");
    assertThat(job.statusCode()).as(job.body()).isEqualTo(200);
    assertThat(job.body()).contains("\"kind\":\"send_mail\"");
    HttpResponse<String> created = server.post("/api/jobs", "{\"kind\": \"hello\"}");
    assertThat(created.statusCode()).as(created.body()).isEqualTo(201);
    server.stop();
    assertThat(run(with("jobs", store, "list"))).isZero();
    assertThat(out()).contains(" hello ");
    assertThat(workingDirectory.toFile().list()).isEmpty();
  }

  @Test
  void theRedisStoreNeedsARedisUrlAndAPrefixOfKeyCharacters() {
    env.put("ERRAND_STORE", "redis");
    env.put("ERRAND_URL", "jdbc:postgresql://127.0.0.1/postgres");

    assertThat(run("jobs", "list")).isEqualTo(2);
    assertThat(err())
        .isEqualTo(
            "errand: url must be a Redis URL, redis://host[:port][/db] (rediss:// for TLS), was"
                + " 'jdbc:postgresql://127.0.0.1/postgres'\n");
    assertThat(run("server", "--port", "0", "--url", "redis://127.0.0.1:6379/zero")).isEqualTo(2);
    assertThat(err())
        .isEqualTo(
            "errand: url must be a Redis URL, redis://host[:port][/db] (rediss:// for TLS), was"
                + " 'redis://127.0.0.1:6379/zero'\n");

    env.put("ERRAND_URL", TestRedis.url());
    assertThat(run("jobs", "list", "--prefix", "my app")).isEqualTo(2);
    assertThat(err())
        .isEqualTo(
            "errand: prefix (from --prefix): a key prefix may hold letters, digits, '_', '.' and"
                + " '-', was 'my app'\n");
  }

  @Test
  void aRedisServerThatCannotBeReachedIsRefusedAtOpenNamingIt() throws Exception {
    int closedPort;
    try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      closedPort = socket.getLocalPort();
    }
    String url = "redis://127.0.0.1:" + closedPort;

    assertThat(run("server", "--port", "0", "--store", "redis", "--url", url)).isEqualTo(1);
    assertThat(err()).startsWith("errand: cannot use Redis at 127.0.0.1:" + closedPort + ": ");
    assertThat(out()).isEmpty();
  }

  @Test
  void listsFitEightyColumnsAndShowPrintsTheLastErrorAsText(@TempDir Path dir) throws Exception {
    Path file = dir.resolve("errand.db");
    env.put("ERRAND_STORE", "sqlite");
    env.put("ERRAND_URL", "jdbc:sqlite:" + file);
    assertThat(run("migrate")).isZero();
    String longKind = "k".repeat(120);
    String longQueue = "q".repeat(120);
    assertThat(run("enqueue", longKind, "--queue", longQueue, "--run-in", "5m")).isZero();
    assertThat(run("enqueue", "render", "--run-in", "1h30m")).isZero();
    // Jobs 1 and 2 wait (5m, 1h30m); job 3 is due now, fetched and failed by a worker.
    assertThat(run("enqueue", "resize", "--queue", "images")).isZero();
    try (SqliteStore store = SqliteStore.builder(file).build()) {
      Errand errand = Errand.create(Config.builder(store).build());
      JobInfo fetched =
          errand.leases().fetch(List.of("images"), Set.of(), 1, "w", Duration.ofMinutes(1)).get(0);
      errand
          .leases()
          .fail(
              new AttemptRef(fetched.id(), fetched.attempt()),
              "ValueError",
              "width must be positive, was -3",
              "Traceback (most recent call last):\n  File \"worker.py\", line 7, in resize",
              Duration.ofMinutes(10));
    }

    assertThat(run("jobs", "list")).isZero();
    assertThat(out().lines()).hasSize(4).allSatisfy(line -> assertThat(line).hasSizeLessThan(80));
    assertThat(out()).contains("kkkkkkkkkkkkkkkkk…", "qqqqqqqqqqq…");
    assertThat(run("queues", "list")).isZero();
    assertThat(out().lines()).hasSize(4).allSatisfy(line -> assertThat(line).hasSizeLessThan(80));

    assertThat(run("jobs", "show", "3")).isZero();
    assertThat(out())
        .contains(
            "  state      retryable",
            "  errors     1; the last, of attempt 1 at ",
            "    ValueError: width must be positive, was -3",
            "    Traceback (most recent call last):\n      File \"worker.py\", line 7, in resize")
        .doesNotContain("\\n");
    assertThat(out().lines()).allSatisfy(line -> assertThat(line).hasSizeLessThan(80));
  }

  @Test
  void jobsMoveTakesTheQueueAndStatesAskedFromOneStoreToAnother(@TempDir Path dir) {
    String from = "jdbc:sqlite:" + dir.resolve("old.db");
    String to = "jdbc:sqlite:" + dir.resolve("new.db");
    for (String url : List.of(from, to)) {
      assertThat(run("migrate", "--store", "sqlite", "--url", url)).isZero();
    }
    String[] old = {"--store", "sqlite", "--url", from};
    assertThat(run(with("enqueue", old, "mail", "--args", "{\"to\":\"a@b\"}"))).isZero();
    assertThat(run(with("enqueue", old, "mail", "--run-in", "1h"))).isZero();
    assertThat(run(with("enqueue", old, "resize", "--queue", "images"))).isZero();

    assertThat(
            run(
                "jobs",
                "move",
                "--from",
                from,
                "--to",
                to,
                "--queue",
                "default",
                "--state",
                "available"))
        .isZero();
    assertThat(out())
        .isEqualTo(
            "moving jobs from the SQLite file "
                + dir.resolve("old.db")
                + " to the SQLite file "
                + dir.resolve("new.db")
                + "\ndone: 1 moved, 0 found in the target already (an earlier move stopped), 0 left"
                + " in the source (a node took them)\n");
    assertThat(run("jobs", "move", "--from", from, "--to", to)).isZero();
    assertThat(out()).contains("done: 2 moved, 0 found");

    assertThat(run("jobs", "list", "--store", "sqlite", "--url", from)).isZero();
    assertThat(out().lines()).hasSize(1);
    assertThat(run("jobs", "list", "--store", "sqlite", "--url", to)).isZero();
    assertThat(out().lines())
        .hasSize(4)
        .anySatisfy(line -> assertThat(line).contains("available", "default", "mail"))
        .anySatisfy(line -> assertThat(line).contains("scheduled", "default", "mail"))
        .anySatisfy(line -> assertThat(line).contains("available", "images", "resize"));
  }

  @Test
  void aClusterUrlWithoutPortsIsRefusedWithTheFormItTakes() {
    assertThat(
            run("jobs", "list", "--store", "redis", "--url", "redis-cluster://10.0.0.1,10.0.0.2"))
        .isEqualTo(2);
    assertThat(err())
        .isEqualTo(
            "errand: url: a cluster's URL lists its nodes as host:port, separated by commas"
                + " (redis-cluster://10.0.0.1:7000,10.0.0.2:7000), was"
                + " redis-cluster://10.0.0.1,10.0.0.2\n");
  }

  @Test
  void jobsMoveSaysWhatAStoreUrlIs() {
    assertThat(run("jobs", "move", "--from", "old.db", "--to", "redis://127.0.0.1:6379"))
        .isEqualTo(2);
    assertThat(err())
        .isEqualTo(
            "errand: --from must be a store's URL, jdbc:postgresql://…, jdbc:sqlite:<file>,"
                + " redis://host:port or redis-cluster://host:port,…, was 'old.db'\n");
    assertThat(
            run(
                "jobs",
                "move",
                "--from",
                "redis://127.0.0.1:6379",
                "--to",
                "redis://127.0.0.1:6379"))
        .isEqualTo(2);
    assertThat(err())
        .startsWith("errand: --from and --to name the same store, Redis at 127.0.0.1:6379");
    String prefix = redisPrefix();
    assertThat(
            run(
                "jobs",
                "move",
                "--from",
                TestRedis.url(),
                "--from-prefix",
                prefix,
                "--to",
                TestRedis.url(),
                "--state",
                "running"))
        .isEqualTo(2);
    assertThat(err()).contains("states must be a non-empty subset of");
  }

  @Test
  void aMistypedSqlitePathCreatesNothingAndATableLessStoreSaysToMigrate(@TempDir Path dir) {
    Path missing = dir.resolve("errnad.db");
    env.put("ERRAND_STORE", "sqlite");
    env.put("ERRAND_URL", "jdbc:sqlite:" + missing);

    assertThat(run("jobs", "list")).isEqualTo(2);
    assertThat(err())
        .isEqualTo(
            "errand: there is no SQLite file "
                + missing
                + ": check --url, or create it with 'errand migrate --store sqlite --url"
                + " jdbc:sqlite:"
                + missing
                + "'\n");
    assertThat(dir.toFile().list()).isEmpty();

    env.put("ERRAND_STORE", "postgres");
    env.put("ERRAND_URL", TestPostgres.url());
    env.put("ERRAND_SCHEMA", "no_such_schema");
    assertThat(run("queues", "list")).isEqualTo(1);
    assertThat(err())
        .startsWith(
            "errand: schema no_such_schema has no Errand tables: run 'errand migrate --schema"
                + " no_such_schema'");
  }

  @Test
  void theSqliteStoreNeedsASqliteUrl() {
    env.put("ERRAND_STORE", "sqlite");
    env.put("ERRAND_URL", "jdbc:postgresql://127.0.0.1/postgres");

    assertThat(run("jobs", "list")).isEqualTo(2);
    assertThat(err())
        .isEqualTo(
            "errand: url must be jdbc:sqlite: followed by the database file's path, was"
                + " 'jdbc:postgresql://127.0.0.1/postgres'\n");
  }

  @Test
  void enqueueWithUniqueByAnArgsFieldAnswersTheExistingJobForADuplicate() {
    pg = new TestPostgres();
    env.put("ERRAND_STORE", "postgres");
    env.put("ERRAND_URL", TestPostgres.url());
    env.put("ERRAND_SCHEMA", pg.schema);

    assertThat(
            run(
                "enqueue",
                "sync",
                "--args",
                "{\"account\":1,\"n\":1}",
                "--unique-by",
                "args.account"))
        .isZero();
    assertThat(out()).isEqualTo("enqueued job 1 (available)\n");
    assertThat(
            run(
                "enqueue",
                "sync",
                "--args",
                "{\"account\":1,\"n\":2}",
                "--unique-by",
                "args.account"))
        .isZero();
    assertThat(out()).isEqualTo("job 1 already exists (available); nothing enqueued\n");
    assertThat(run("enqueue", "sync", "--args", "{\"account\":2}", "--unique-by", "args.account"))
        .isZero();
    // Not job 2: on PostgreSQL the refused duplicate used up an id of the sequence.
    assertThat(out()).matches("enqueued job [2-9] \\(available\\)\n");
  }

  @ParameterizedTest
  @CsvSource(
      delimiter = '|',
      value = {
        "--unique-by|colour|errand: --unique-by part 'colour' is not one of kind, args, args.FIELD,"
            + " queue",
        "--unique-by|args,args.id|errand: --unique-by takes args or args.FIELD parts, not both",
        "--unique-period|hourly|errand: --unique-period must be a duration such as 30s, 5m, 1h30m,"
            + " 2d or PT5M, was 'hourly'",
        "--unique-period|PT0S|errand: --unique-period: unique period must be whole seconds, at"
            + " least 1 second, was PT0S"
      })
  void enqueueRefusesABadUniqueOptionByName(String option, String value, String message) {
    assertThat(run("enqueue", "a", option, value)).isEqualTo(2);
    assertThat(err()).isEqualTo(message + "\n");
  }

  /** The API's reader checks the flags: a refusal is in the API's words, naming the flag. */
  @ParameterizedTest
  @CsvSource(
      delimiter = '|',
      value = {
        "--priority|12|errand: --priority must be between 0 and 9, was 12",
        "--max-attempts|0|errand: --max-attempts must be between 1 and 1000, was 0",
        "--queue|a b|errand: --queue: queue name must be 1 to 128 characters of letters, digits,"
            + " '_', '.', ':' or '-', was 'a b'",
        "--args|[1]|errand: --args must be a JSON object, was an array",
        "--args|null|errand: --args must be a JSON object, was null",
        "--run-in|-PT5S|errand: --run-in: runIn must not be negative, was PT-5S",
        "--run-in|soon|errand: --run-in must be a duration such as 30s, 5m, 1h30m, 2d or PT5M,"
            + " was 'soon'"
      })
  void enqueueRefusesABadOptionInTheApisWordsNamingTheFlag(
      String option, String value, String message) {
    // option=value: picocli would take a value starting with '-' for an option.
    assertThat(run("enqueue", "a", option + "=" + value)).isEqualTo(2);
    assertThat(err()).isEqualTo(message + "\n");
  }

  @Test
  void enqueueRefusesABadKindNamingItAsTheUsageDoes() {
    assertThat(run("enqueue", "bad kind")).isEqualTo(2);
    assertThat(err())
        .isEqualTo(
            "errand: KIND: job kind must be 1 to 128 characters of letters, digits, '_', '.', ':'"
                + " or '-', was 'bad kind'\n");
  }

  @Test
  void enqueueRefusesArgsThatAreNotAJsonObject() {
    assertThat(run("enqueue", "a", "--args", "[1")).isEqualTo(2);
    assertThat(err()).startsWith("errand: --args is not valid JSON");
  }

  @Test
  void aFiniteDemoPrintsWhereItsApiIsAndASummaryThenExitsWith0() {
    env.put("ERRAND_PORT", "0");

    assertThat(run("demo", "--store", "memory", "--duration", "PT1S")).isZero();
    assertThat(out())
        .startsWith("errand demo on the in-memory store")
        .containsPattern("API: http://127\\.0\\.0\\.1:\\d+ ")
        .contains("Finished: every job enqueued has ended")
        .contains("import_item             10,000");
  }

  @Test
  void aFiniteDemoRunsOnRedisUnderTheKeyPrefixGiven() {
    env.put("ERRAND_PORT", "0");
    String prefix = redisPrefix();

    assertThat(
            run(
                "demo",
                "--store",
                "redis",
                "--url",
                TestRedis.url(),
                "--prefix",
                prefix,
                "--duration",
                "PT1S"))
        .as(err())
        .isZero();
    assertThat(out())
        .startsWith(
            "errand demo on Redis at "
                + URI.create(TestRedis.url()).getAuthority()
                + " (keys under "
                + prefix
                + ":)\n")
        .contains("Finished: every job enqueued has ended")
        .contains("import_item             10,000");
  }

  @Test
  void onRedisTheDemoKeepsItsKeysUnderAPrefixOfItsOwnUnlessOneIsGiven() {
    DemoCommand demo = new DemoCommand();
    new picocli.CommandLine(demo).parseArgs("--store", "redis");
    DemoCommand mine = new DemoCommand();
    new picocli.CommandLine(mine).parseArgs("--store", "redis", "--prefix", "mine");

    Settings settings = demo.demoSettings(Map.of());

    assertThat(settings.get(Settings.PREFIX)).isEqualTo("errand-demo");
    assertThat(Stores.describe(settings))
        .isEqualTo("Redis at 127.0.0.1:6379 (keys under errand-demo:)");
    assertThat(mine.demoSettings(Map.of()).get(Settings.PREFIX)).isEqualTo("mine");
  }

  @Test
  void aDemoWhosePortIsTakenSaysSoAndStartsNothing(@TempDir Path dir) throws Exception {
    // A file of its own: the default one is shared with any demo running on this machine.
    String url = "jdbc:sqlite:" + dir.resolve("demo.db");
    try (ServerSocket taken = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      int port = taken.getLocalPort();

      assertThat(
              run(
                  "demo",
                  "--store",
                  "sqlite",
                  "--url",
                  url,
                  "--duration",
                  "PT1S",
                  "--port",
                  String.valueOf(port)))
          .isEqualTo(1);
      assertThat(err())
          .isEqualTo(
              "errand: port "
                  + port
                  + " is taken (is another errand demo running?); stop it, or give another port"
                  + " with --port\n");
      assertThat(out()).isEmpty();
    }
  }

  @Test
  void withoutAStoreTheDemoRunsOnASqliteFileOfItsOwn() {
    DemoCommand demo = new DemoCommand();
    new picocli.CommandLine(demo).parseArgs("--port", "0");

    Settings settings = demo.demoSettings(Map.of());

    assertThat(settings.get(Settings.STORE)).isEqualTo("sqlite");
    assertThat(settings.get(Settings.URL)).isEqualTo("jdbc:sqlite:" + DemoCommand.DEFAULT_FILE);
    assertThat(DemoCommand.DEFAULT_FILE)
        .isEqualTo(Path.of(System.getProperty("java.io.tmpdir"), "errand-demo", "errand-demo.db"));
    assertThat(Stores.describe(settings)).isEqualTo("the SQLite file " + DemoCommand.DEFAULT_FILE);
  }

  @Test
  void aChosenStoreOrFileIsKept(@TempDir Path dir) {
    DemoCommand onPostgres = new DemoCommand();
    new picocli.CommandLine(onPostgres).parseArgs();
    DemoCommand onAFile = new DemoCommand();
    String url = "jdbc:sqlite:" + dir.resolve("mine.db");
    new picocli.CommandLine(onAFile).parseArgs("--store", "sqlite", "--url", url);

    assertThat(onPostgres.demoSettings(Map.of("ERRAND_STORE", "postgres")).get(Settings.URL))
        .isNull();
    assertThat(onAFile.demoSettings(Map.of()).get(Settings.URL)).isEqualTo(url);
  }

  @Test
  @SuppressWarnings("try") // the first store only has to hold the file open
  void aSecondDemoOnTheSameSqliteFileSaysAnotherDemoIsRunning(@TempDir Path dir) {
    Path file = dir.resolve("demo.db");
    try (SqliteStore first = SqliteStore.builder(file).build()) {
      int code =
          run(
              "demo",
              "--store",
              "sqlite",
              "--url",
              "jdbc:sqlite:" + file,
              "--port",
              "0",
              "--duration",
              "PT1S");

      assertThat(code).isEqualTo(1);
      assertThat(err())
          .startsWith("errand: SQLite store " + file + " is already open")
          .contains("Is another errand demo running? Stop it, or give this one a file of its own")
          .doesNotContain("Exception")
          .doesNotContain("\tat ");
      assertThat(out()).isEmpty();
    }
  }

  @Test
  void aDemoDurationThatIsNotADurationIsRefused() {
    assertThat(run("demo", "--duration", "ten seconds")).isEqualTo(2);
    assertThat(err())
        .isEqualTo(
            "errand: --duration must be a duration such as 30s, 5m, 1h30m, 2d or PT5M, was 'ten"
                + " seconds'\n");
    assertThat(run("demo", "--duration", "0s")).isEqualTo(2);
    assertThat(err()).isEqualTo("errand: --duration must be positive, was 0s\n");
  }

  /**
   * {@code command} and {@code more}, then {@code options}: a command line whose options come after
   * its subcommand, where they belong.
   */
  private static String[] with(String command, String[] options, String... more) {
    List<String> args = new ArrayList<>(List.of(command));
    args.addAll(List.of(more));
    args.addAll(List.of(options));
    return args.toArray(String[]::new);
  }

  private int run(String... args) {
    out.reset();
    err.reset();
    return new ErrandCli(
            new PrintStream(out, true, StandardCharsets.UTF_8),
            new PrintStream(err, true, StandardCharsets.UTF_8),
            env,
            workingDirectory)
        .run(args);
  }

  /**
   * {@code errand server --port 0} with {@code args}, run in the background in {@link
   * #workingDirectory} until {@link #stop}; started once it prints where it listens.
   */
  private final class RunningServer {
    private final ByteArrayOutputStream printed = new ByteArrayOutputStream();
    private final ByteArrayOutputStream errors = new ByteArrayOutputStream();
    private final ErrandCli cli;
    private final CompletableFuture<Integer> exit;
    private final String base;
    private final HttpClient http = HttpClient.newHttpClient();

    RunningServer(String... args) {
      cli =
          new ErrandCli(
              new PrintStream(printed, true, StandardCharsets.UTF_8),
              new PrintStream(errors, true, StandardCharsets.UTF_8),
              env,
              workingDirectory);
      List<String> command = new ArrayList<>(List.of("server", "--port", "0"));
      command.addAll(List.of(args));
      exit =
          CompletableFuture.supplyAsync(
              () -> cli.run(command.toArray(String[]::new)),
              task -> new Thread(task, "errand-server").start());
      servers.add(this);
      await()
          .atMost(Duration.ofSeconds(30))
          .until(() -> printed().contains("listening on") || exit.isDone());
      assertThat(exit).as(errors.toString(StandardCharsets.UTF_8)).isNotDone();
      Matcher port =
          Pattern.compile("listening on http://127\\.0\\.0\\.1:(\\d+)").matcher(printed());
      assertThat(port.find()).as(printed()).isTrue();
      base = "http://127.0.0.1:" + port.group(1);
    }

    String printed() {
      return printed.toString(StandardCharsets.UTF_8);
    }

    HttpResponse<String> get(String path) throws Exception {
      return http.send(
          HttpRequest.newBuilder(URI.create(base + path)).build(),
          HttpResponse.BodyHandlers.ofString());
    }

    HttpResponse<String> post(String path, String json) throws Exception {
      return http.send(
          HttpRequest.newBuilder(URI.create(base + path))
              .header("Content-Type", "application/json")
              .POST(HttpRequest.BodyPublishers.ofString(json))
              .build(),
          HttpResponse.BodyHandlers.ofString());
    }

    /** Stops it, as Ctrl-C does, and waits until it has closed its store: exit code 0. */
    void stop() throws Exception {
      if (servers.remove(this)) {
        cli.stopServer.countDown();
        assertThat(exit.get(30, TimeUnit.SECONDS)).isZero();
      }
    }
  }

  private String out() {
    return out.toString(StandardCharsets.UTF_8);
  }

  private String err() {
    return err.toString(StandardCharsets.UTF_8);
  }
}
