package dev.errand.server;

import dev.errand.examples.DemoApp;
import dev.errand.examples.DemoSummary;
import dev.errand.examples.ProgressPrinter;
import dev.errand.spi.Store;
import io.javalin.util.JavalinBindException;
import java.io.PrintStream;
import java.time.Duration;
import java.util.Set;

/**
 * {@code errand demo}: the examples' {@link DemoApp} on a store the caller opened, with the HTTP
 * API beside it on the same {@link dev.errand.Errand}, so that the jobs can be watched and changed
 * with curl while they flow. Use: {@link #start}, then {@link #run} from the same thread; {@link
 * #requestStop()} from any thread (a shutdown hook). The store is the caller's to close.
 */
final class Demo {

  /** The port the demo's API listens on unless told otherwise. */
  static final int DEFAULT_PORT = 7070;

  private final DemoApp app;
  private final ApiServer server;
  private final PrintStream out;

  private Demo(DemoApp app, ApiServer server, PrintStream out) {
    this.app = app;
    this.server = server;
    this.out = out;
  }

  /**
   * Binds the API on loopback at {@code port} (0 picks a free one), then starts the demo's jobs.
   *
   * @throws IllegalStateException naming the port when it is taken; nothing is left running
   */
  static Demo start(Store store, int port, PrintStream out) {
    DemoApp app = new DemoApp(store);
    // The API accepts every queue, so that curl can enqueue to the demo's own.
    ServerOptions options =
        ServerOptions.defaults().withPort(port).withQueues(Set.of(ServerOptions.ANY_QUEUE));
    ApiServer server = new ApiServer(app.errand(), options);
    // Bound before any job starts: a second demo fails here, before it touches the store.
    try {
      server.start();
    } catch (JavalinBindException e) {
      server.close();
      throw new IllegalStateException(
          "port "
              + port
              + " is taken (is another errand demo running?); stop it, or give another port with"
              + " --port");
    }
    try {
      app.start();
    } catch (RuntimeException e) {
      server.close();
      throw e;
    }
    return new Demo(app, server, out);
  }

  /** The port the API listens on. */
  int port() {
    return server.port();
  }

  /** Prints what the demo does and where its dashboard and API are. */
  void printIntro(String storeDescription) {
    String base = "http://" + ServerOptions.DEFAULT_HOST + ":" + port();
    out.println("errand demo on " + storeDescription);
    app.printWorkload(out);
    out.println("Dashboard: " + base + "/jobs");
    out.println("API: " + base + "   try: curl -s " + base + "/api/queues");
    out.println("Ctrl-C stops it.");
    out.println();
  }

  /** Ends {@link #run} soon. Thread-safe. */
  void requestStop() {
    app.requestStop();
  }

  /** See {@link DemoApp#hasShownEverything()}. */
  boolean hasShownEverything() {
    return app.hasShownEverything();
  }

  /**
   * Prints progress until {@link #requestStop()}, or until {@code duration} (null: no limit) has
   * passed and the jobs enqueued until then have ended; then stops the demo and the API and prints
   * the summary.
   */
  DemoSummary run(Duration duration, boolean terminal) throws InterruptedException {
    DemoSummary summary;
    try {
      app.awaitEnd(duration, new ProgressPrinter(out, terminal));
    } finally {
      server.close();
      summary = app.stop();
    }
    summary.print(out);
    return summary;
  }
}
