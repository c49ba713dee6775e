package dev.errand.server;

import dev.errand.StoreException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParentCommand;

/** {@code errand demo}: the examples' demo application with the API beside it ({@link Demo}). */
@Command(
    name = "demo",
    mixinStandardHelpOptions = true,
    description = {
      "Runs a small application's background jobs until Ctrl-C: sign-in e-mails",
      "through a flaky mail provider (retried with backoff), imports of 10,000 items",
      "fanned out, a cron job, a unique job and ticket batches, enqueued",
      "continuously, with a live progress line and the HTTP API on",
      "http://127.0.0.1:7070 to watch them. No setup: without --store it runs on a",
      "SQLite file of its own in the system's temporary directory. On Redis (--store",
      "redis) its keys are under errand-demo: unless --prefix says otherwise; the",
      "file and the keys are kept between runs."
    })
final class DemoCommand implements Callable<Integer> {
  /**
   * The demo's store when none is chosen: a SQLite file of its own, kept between runs (jobs left at
   * Ctrl-C run at the next start), out of the way of the working directory.
   */
  static final Path DEFAULT_FILE =
      Path.of(System.getProperty("java.io.tmpdir"), "errand-demo", "errand-demo.db");

  /**
   * The demo's key prefix on Redis unless one is given: its jobs stay out of the way of another
   * application's (and of Sidekiq's, whose keys have no prefix), kept between runs as the file is.
   */
  static final String REDIS_PREFIX = "errand-demo";

  @ParentCommand ErrandCli root;
  @Mixin ErrandCli.StoreOptions store;

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
    Duration limit = duration == null ? null : Durations.positive("--duration", duration);
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

  /**
   * The settings, on the demo's own SQLite file when they choose no store, or no file; under the
   * demo's own key prefix on Redis when they give none.
   */
  Settings demoSettings(Map<String, String> env) {
    Map<String, String> flags = new LinkedHashMap<>();
    flags.put(Settings.PORT, port);
    Settings settings = Stores.sqliteByDefault(store.settings(env, flags), DEFAULT_FILE);
    // Only the redis store reads a prefix.
    return settings.withDefault(Settings.PREFIX, REDIS_PREFIX);
  }

  /** Opens the store; a SQLite file another store holds is most likely another demo's. */
  private static Stores.Opened openDemoStore(Settings settings) {
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
}
