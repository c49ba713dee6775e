package dev.errand.bench;

import dev.errand.Config;
import dev.errand.EnqueueOptions;
import dev.errand.Errand;
import dev.errand.RawArgs;
import dev.errand.server.ApiServer;
import dev.errand.server.ServerOptions;
import dev.errand.spi.Store;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * The dashboard's list pages on a big PostgreSQL table: fills a schema of its own with {@code
 * --jobs} jobs shaped like a job table in use (ten queues, args with an account number; about two
 * thirds completed, a fifth available, a tenth scheduled, and some discarded, cancelled and
 * retryable), vacuumed and analyzed as autovacuum would, starts the server on it, and loads each
 * page {@code --loads} times in a row as a browser would (the whole response), printing p50 and p95
 * per page. Run with {@code ./bench-dashboard}.
 */
@Command(
    name = "bench-dashboard",
    mixinStandardHelpOptions = true,
    description = "Times the dashboard's list pages on PostgreSQL with a big job table.")
public final class DashboardBench implements Callable<Integer> {
  @Option(names = "--jobs", description = "Jobs in the table (default: ${DEFAULT-VALUE}).")
  int jobs = 1_000_000;

  @Option(names = "--loads", description = "Loads per page (default: ${DEFAULT-VALUE}).")
  int loads = 50;

  @Option(
      names = "--pg-url",
      description = "PostgreSQL to run on (default: $ERRAND_BENCH_PG_URL, else the local server).")
  String pgUrl =
      System.getenv()
          .getOrDefault(
              "ERRAND_BENCH_PG_URL", "jdbc:postgresql://127.0.0.1:5432/postgres?user=postgres");

  /** The pages loaded, each as a dashboard user would open it. */
  static final List<String> PAGES =
      List.of(
          "/jobs",
          "/jobs?state=available&queue=q3",
          "/jobs?queue=q3&where=args.account%3D42",
          "/jobs?state=scheduled&kind=sync",
          "/jobs?state=completed&queue=q7",
          "/jobs?state=cancelled",
          "/jobs?state=pending",
          "/jobs?where=args.account%3D4242",
          "/queues");

  public static void main(String[] args) {
    System.exit(new CommandLine(new DashboardBench()).execute(args));
  }

  @Override
  public Integer call() throws Exception {
    PostgresBenchStore bench = new PostgresBenchStore(pgUrl);
    Store store = bench.open();
    try (Errand errand = Errand.create(Config.builder(store).build())) {
      fill(errand);
      age(bench);
      try (ApiServer server = new ApiServer(errand, ServerOptions.defaults().withPort(0)).start()) {
        HttpClient http = HttpClient.newHttpClient();
        String base = "http://127.0.0.1:" + server.port();
        for (String page : PAGES) {
          time(http, base, page, 5); // warm-up
          double[] ms = time(http, base, page, loads);
          Arrays.sort(ms);
          System.out.printf(
              Locale.ROOT,
              "page %-45s p50 %8.1f ms  p95 %8.1f ms  (%d loads, %,d jobs)%n",
              page,
              ms[ms.length / 2],
              ms[(int) Math.ceil(ms.length * 0.95) - 1],
              loads,
              jobs);
        }
      }
    } finally {
      bench.close();
    }
    return 0;
  }

  private void fill(Errand errand) {
    long started = System.nanoTime();
    int batch = 5_000;
    for (int from = 0; from < jobs; from += batch) {
      List<RawArgs> available = new ArrayList<>();
      List<RawArgs> scheduled = new ArrayList<>();
      for (int i = from; i < Math.min(jobs, from + batch); i++) {
        RawArgs args = new RawArgs("sync", "{\"account\":" + (i % 1000) + ",\"n\":" + i + "}");
        (i % 10 == 9 ? scheduled : available).add(args);
      }
      String queue = "q" + ((from / batch) % 10);
      errand.enqueueAll(available, EnqueueOptions.defaults().queue(queue));
      if (!scheduled.isEmpty()) {
        errand.enqueueAll(
            scheduled, EnqueueOptions.defaults().queue(queue).runIn(Duration.ofDays(1)));
      }
    }
    System.err.printf(
        Locale.ROOT,
        "bench-dashboard: %,d jobs stored in %.1f s%n",
        jobs,
        (System.nanoTime() - started) / 1e9);
  }

  /**
   * Moves most of the waiting jobs on through their lives, as a table in use holds them, in SQL
   * (the workers would take minutes), then vacuums and analyzes the table as autovacuum would.
   */
  private void age(PostgresBenchStore bench) throws Exception {
    long started = System.nanoTime();
    bench.execute(
        "UPDATE {schema}.job SET attempt = 1, attempted_at = scheduled_at,"
            + " finalized_at = scheduled_at + interval '1 second',"
            + " state = CASE WHEN id % 100 < 75 THEN 'completed'"
            + "   WHEN id % 100 < 77 THEN 'discarded' ELSE 'cancelled' END::{schema}.job_state"
            + " WHERE state = 'available' AND id % 100 < 78");
    bench.execute(
        "UPDATE {schema}.job SET attempt = 1, state = 'retryable',"
            + " scheduled_at = now() + interval '1 hour'"
            + " WHERE state = 'available' AND id % 1000 = 790");
    bench.execute("VACUUM ANALYZE {schema}.job");
    System.err.printf(
        Locale.ROOT,
        "bench-dashboard: jobs moved on and the table vacuumed in %.1f s%n",
        (System.nanoTime() - started) / 1e9);
  }

  private static double[] time(HttpClient http, String base, String page, int times)
      throws Exception {
    double[] ms = new double[times];
    HttpRequest request =
        HttpRequest.newBuilder(URI.create(base + page)).header("Accept", "text/html").build();
    for (int i = 0; i < times; i++) {
      long start = System.nanoTime();
      HttpResponse<String> response = http.send(request, HttpResponse.BodyHandlers.ofString());
      ms[i] = (System.nanoTime() - start) / 1e6;
      if (response.statusCode() != 200) {
        throw new IllegalStateException(page + " answered " + response.statusCode());
      }
    }
    return ms;
  }
}
