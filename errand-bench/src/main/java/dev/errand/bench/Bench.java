package dev.errand.bench;

import dev.errand.QueueConfig;
import dev.errand.spi.Store;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.function.Function;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/**
 * Errand's end-to-end benchmark, run by {@code ./bench}: per store, burn-down and bulk-enqueue
 * throughput and single-enqueue and pickup latency, as a table with each figure's target, or as
 * JSON lines for scripts. Exit codes: 0 when every figure of every store was measured (whether or
 * not it met its target), 1 when a store or a phase failed or stalled, 2 on bad usage.
 */
@Command(
    name = "bench",
    sortOptions = false,
    usageHelpAutoWidth = true,
    description = {
      "Measures Errand on each store: burn-down and bulk-enqueue throughput, single-enqueue and"
          + " pickup latency (p50/p99), and compares each figure with its target.",
      ""
    },
    footer = {
      "",
      "Each PostgreSQL run works in a fresh schema errand_bench_<random>, dropped at the end;",
      "each SQLite run in a fresh file in a temporary directory, deleted at the end.",
      "Logs go to stderr; with --json, stdout holds only the JSON lines."
    })
public final class Bench implements Callable<Integer> {

  /** The stores the benchmark knows, by name, in their default order: the plug-in point. */
  static final Map<String, Function<Bench, BenchStore>> STORES;

  static {
    Map<String, Function<Bench, BenchStore>> stores = new LinkedHashMap<>();
    stores.put("memory", bench -> new MemoryBenchStore());
    stores.put("postgres", bench -> new PostgresBenchStore(bench.pgUrl));
    stores.put("sqlite", bench -> new SqliteBenchStore());
    stores.put("redis", bench -> new RedisBenchStore(bench.redisUrl));
    STORES = Collections.unmodifiableMap(stores);
  }

  @Option(
      names = "--stores",
      split = ",",
      paramLabel = "NAME",
      defaultValue = "memory,postgres,sqlite",
      description = "Stores to run, comma-separated, in order (default: ${DEFAULT-VALUE}).")
  private List<String> stores;

  @Option(
      names = "--jobs",
      paramLabel = "N",
      defaultValue = "100000",
      description = "Jobs of the bulk enqueue and the burn-down (default: ${DEFAULT-VALUE}).")
  private int jobs;

  @Option(
      names = "--batch",
      paramLabel = "N",
      defaultValue = "1000",
      description = "Jobs per enqueueAll call in the bulk enqueue (default: ${DEFAULT-VALUE}).")
  private int batch;

  @Option(
      names = "--samples",
      paramLabel = "N",
      defaultValue = "1000",
      description = "Samples per latency figure (default: ${DEFAULT-VALUE}).")
  private int samples;

  @Option(
      names = "--warmup",
      paramLabel = "N",
      // 2,000: the latencies of a running service, whose enqueue and claim paths the JIT has
      // compiled. With 200, C2 was still compiling them during the counted samples, and on this
      // 2-core machine that alone lifted PostgreSQL's p99s from about 1.3 to 3 ms (enqueue) and
      // from about 4.9 to 6 ms (pickup).
      defaultValue = "2000",
      description = "Uncounted calls before each latency phase (default: ${DEFAULT-VALUE}).")
  private int warmup;

  @Option(
      names = "--warmup-jobs",
      paramLabel = "N",
      // 50,000: half the measured burn-down, about 2 s per store here. A cold JVM's C2 compiled for
      // about 2 s during a 3 s PostgreSQL burn-down; after this round, 0.1 to 0.7 s.
      defaultValue = "50000",
      description =
          "Jobs of the uncounted warm-up round (the latency phases, then bulk enqueue and burn-down,"
              + " on a store of its own dropped before the measured run); 0 for none (default:"
              + " ${DEFAULT-VALUE}).")
  private int warmupJobs;

  @Option(
      names = "--concurrency",
      paramLabel = "N",
      defaultValue = "100",
      description =
          "Concurrency of the worked queue 'default', on virtual threads (default:"
              + " ${DEFAULT-VALUE}).")
  private int concurrency;

  @Option(
      names = "--arrivals",
      paramLabel = "N",
      defaultValue = "0",
      description =
          "Also burn down a second backlog of --jobs jobs (priority 5) while N jobs a second"
              + " arrive, enqueued one at a time at priority 0, and report the burn-down rate and"
              + " the arrivals' pickup latency, overall and per quarter of the backlog; 0 for no"
              + " such phase (default: ${DEFAULT-VALUE}).")
  private int arrivals;

  @Option(
      names = "--pg-url",
      paramLabel = "JDBC_URL",
      defaultValue =
          "${env:ERRAND_BENCH_PG_URL:-jdbc:postgresql://127.0.0.1:5432/postgres?user=postgres}",
      description =
          "PostgreSQL to run on (default: $ERRAND_BENCH_PG_URL, else"
              + " jdbc:postgresql://127.0.0.1:5432/postgres?user=postgres).")
  private String pgUrl;

  @Option(
      names = "--redis-url",
      paramLabel = "URL",
      defaultValue = "${env:ERRAND_BENCH_REDIS_URL:-redis://127.0.0.1:6379}",
      description =
          "Redis to run on, for --stores redis (default: $ERRAND_BENCH_REDIS_URL, else"
              + " redis://127.0.0.1:6379). Each run keeps its keys under a prefix of its own and"
              + " deletes them after.")
  private String redisUrl;

  @Option(
      names = "--json",
      description =
          "Print JSON lines, one per figure, instead of tables:"
              + " {\"store\":…,\"metric\":…,\"value\":…}.")
  private boolean json;

  @Option(
      names = "--store-timings",
      description =
          "Also count and time every store call, and print them per phase on stderr: where the"
              + " time goes. Adds a little overhead to each call.")
  private boolean storeTimings;

  @Option(
      names = {"-h", "--help"},
      usageHelp = true,
      description = "Print this help and exit.")
  private boolean help;

  @Spec private CommandSpec spec;

  private final PrintStream out;
  private final PrintStream err;

  private Bench(PrintStream out, PrintStream err) {
    this.out = out;
    this.err = err;
  }

  /** Runs the benchmark with {@code args} and exits with its exit code. */
  public static void main(String[] args) {
    System.exit(run(args, System.out, System.err));
  }

  /**
   * Runs the benchmark with {@code args}, printing to {@code out} and {@code err}; the exit code.
   */
  static int run(String[] args, PrintStream out, PrintStream err) {
    return new CommandLine(new Bench(out, err))
        .setOut(new PrintWriter(out, true))
        .setErr(new PrintWriter(err, true))
        .execute(args);
  }

  @Override
  public Integer call() {
    validate();
    StoreBench.Settings settings =
        new StoreBench.Settings(jobs, batch, samples, warmup, concurrency, warmupJobs, arrivals);
    int failed = 0;
    for (String name : stores) {
      if (!runStore(name, settings)) {
        failed++;
      }
    }
    return failed == 0 ? 0 : 1;
  }

  /** Runs and reports one store; false if it, or any of its figures, could not be measured. */
  private boolean runStore(String name, StoreBench.Settings settings) {
    try {
      if (warmupJobs > 0) {
        try (BenchStore warmupStore = STORES.get(name).apply(this)) {
          new StoreBench(name, warmupStore.open(), settings, err, false).warmUp();
        }
      }
    } catch (Exception e) {
      return failed(name, "warm-up round", e);
    }
    try (BenchStore benchStore = STORES.get(name).apply(this)) {
      Store store = benchStore.open();
      StoreResults results = new StoreBench(name, store, settings, err, storeTimings).run();
      if (json) {
        Report.json(results, out);
      } else {
        Report.table(heading(name), results, out);
      }
      return results.failures().isEmpty();
    } catch (Exception e) {
      return failed(name, "", e);
    }
  }

  /** Says why a store's run failed ({@code during}: in which part, or empty); false. */
  private boolean failed(String name, String during, Exception e) {
    if (e instanceof InterruptedException) {
      Thread.currentThread().interrupt();
    }
    err.println("bench: " + name + (during.isEmpty() ? "" : " " + during) + " failed: " + e);
    for (Throwable cause = e.getCause(); cause != null; cause = cause.getCause()) {
      err.println("  caused by: " + cause);
    }
    return false;
  }

  private String heading(String store) {
    return String.format(
        "%s: %,d jobs enqueued in batches of %,d, queue 'default' at concurrency %,d;"
            + " latencies over %,d samples after %,d warm-up calls; %s",
        store,
        jobs,
        batch,
        concurrency,
        samples,
        warmup,
        warmupJobs == 0
            ? "no warm-up round"
            : String.format("after a warm-up round of %,d jobs", warmupJobs));
  }

  private void validate() {
    for (String name : stores) {
      if (!STORES.containsKey(name)) {
        throw usage(
            "unknown store '" + name + "'; known stores: " + String.join(", ", STORES.keySet()));
      }
    }
    positive("--jobs", jobs);
    positive("--batch", batch);
    positive("--samples", samples);
    if (warmup < 0) {
      throw usage("--warmup must not be negative, was " + warmup);
    }
    if (warmupJobs < 0) {
      throw usage("--warmup-jobs must not be negative, was " + warmupJobs);
    }
    if (arrivals < 0 || arrivals > 100_000) {
      throw usage("--arrivals must be between 0 and 100000 jobs a second, was " + arrivals);
    }
    if (concurrency < 1 || concurrency > QueueConfig.MAX_CONCURRENCY) {
      throw usage(
          "--concurrency must be between 1 and "
              + QueueConfig.MAX_CONCURRENCY
              + ", was "
              + concurrency);
    }
  }

  private void positive(String option, int value) {
    if (value < 1) {
      throw usage(option + " must be at least 1, was " + value);
    }
  }

  private ParameterException usage(String message) {
    return new ParameterException(spec.commandLine(), message);
  }
}
