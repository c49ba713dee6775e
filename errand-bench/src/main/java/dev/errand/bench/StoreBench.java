package dev.errand.bench;

import dev.errand.Config;
import dev.errand.EnqueueOptions;
import dev.errand.Errand;
import dev.errand.JobEvent;
import dev.errand.Outcome;
import dev.errand.Worker;
import dev.errand.spi.Store;
import java.io.PrintStream;
import java.lang.management.CompilationMXBean;
import java.lang.management.ManagementFactory;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executors;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;

/**
 * The four measurements on one store, in an order that keeps each one honest:
 *
 * <ol>
 *   <li>single enqueue latency, on an idle system: an insert-only client, nothing running;
 *   <li>pickup latency: one started node with idle workers, one job at a time;
 *   <li>bulk enqueue: {@code jobs} jobs by {@link Errand#enqueueAll} in batches, no workers
 *       running;
 *   <li>burn-down: a node on Errand's default configuration starts on those jobs, and the clock
 *       stops at the last completion.
 * </ol>
 *
 * Before them, on a store of its own, the {@link #warmUp() warm-up round}; each latency phase also
 * starts with uncounted calls. Every time comes from {@link System#nanoTime()}; nothing measured
 * waits by sleeping.
 */
final class StoreBench {

  /**
   * The queue of the single-enqueue samples. No node works it, so that each enqueue meets an idle
   * system and its jobs do not reach the later phases, which use {@link Config#DEFAULT_QUEUE}.
   */
  static final String SINGLE_ENQUEUE_QUEUE = "bench_single_enqueue";

  /** A phase fails when no awaited job made progress for this long. */
  private static final Duration STALL_LIMIT = Duration.ofSeconds(30);

  /**
   * After the warm-up round, the JIT counts as done when its total compilation time grew by less
   * than {@link #COMPILER_QUIET_MILLIS} over this long; waited for at most {@link
   * #COMPILER_WAIT_LIMIT}.
   */
  private static final Duration COMPILER_QUIET_PERIOD = Duration.ofMillis(500);

  private static final long COMPILER_QUIET_MILLIS = 10;
  private static final Duration COMPILER_WAIT_LIMIT = Duration.ofSeconds(20);

  /** The JIT, where the JVM reports its compilation time; else null. */
  private static final CompilationMXBean COMPILER = compilerThatReportsTime();

  /** The burn-down fails when it has not finished after this long, progress or not. */
  private static final Duration BURN_DOWN_LIMIT = Duration.ofMinutes(10);

  /** A phase stopped making progress: the system under test stalled, not the benchmark. */
  static final class StallException extends RuntimeException {
    StallException(String message) {
      super(message);
    }
  }

  /**
   * What to run.
   *
   * @param jobs jobs of the bulk enqueue and burn-down
   * @param batch jobs per {@link Errand#enqueueAll} call in the bulk enqueue
   * @param samples latency samples per latency figure
   * @param warmup calls before each latency phase that are not counted
   * @param concurrency the concurrency of the worked queue
   * @param warmupJobs jobs of the uncounted {@link #warmUp() warm-up round}; 0 for none
   * @param arrivals jobs a second that arrive during the second burn-down; 0 for no such phase
   */
  record Settings(
      int jobs,
      int batch,
      int samples,
      int warmup,
      int concurrency,
      int warmupJobs,
      int arrivals) {}

  private final Store store;
  private final Settings settings;
  private final PrintStream progress;
  private final String name;
  private final StoreTimings timings;

  /**
   * @param name the store's name, for progress lines
   * @param store the store to run on
   * @param settings what to run
   * @param progress where progress lines (and store timings) go
   * @param storeTimings whether to time the store's calls and print them after each phase
   */
  StoreBench(
      String name, Store store, Settings settings, PrintStream progress, boolean storeTimings) {
    this.name = name;
    this.timings = storeTimings ? new StoreTimings(store) : null;
    this.store = storeTimings ? timings.store() : store;
    this.settings = settings;
    this.progress = progress;
  }

  /**
   * Runs every measurement. A phase that fails or stalls costs only its own figures (and the
   * burn-down's, when the bulk enqueue that feeds it failed); the others are still measured.
   */
  StoreResults run() throws InterruptedException {
    StoreResults results = new StoreResults(name);

    say("single enqueue latency, %,d samples", settings.samples());
    measure(
        results,
        "single enqueue",
        () -> {
          long[] nanos = singleEnqueueNanos();
          results.put(Metric.ENQUEUE_P50_MS, percentileMillis(nanos, 50));
          results.put(Metric.ENQUEUE_P99_MS, percentileMillis(nanos, 99));
        },
        Metric.ENQUEUE_P50_MS,
        Metric.ENQUEUE_P99_MS);

    say("pickup latency, %,d samples", settings.samples());
    measure(
        results,
        "pickup",
        () -> {
          long[] nanos = pickupNanos();
          results.put(Metric.PICKUP_P50_MS, percentileMillis(nanos, 50));
          results.put(Metric.PICKUP_P99_MS, percentileMillis(nanos, 99));
        },
        Metric.PICKUP_P50_MS,
        Metric.PICKUP_P99_MS);

    say("bulk enqueue of %,d jobs in batches of %,d", settings.jobs(), settings.batch());
    BurnDown burnDown = new BurnDown(settings.jobs());
    try (Errand errand = Errand.create(burnDown.config())) {
      boolean enqueued =
          measure(
              results,
              "bulk enqueue",
              () ->
                  results.put(
                      Metric.BULK_ENQUEUE_JOBS_PER_S,
                      perSecond(settings.jobs(), bulkEnqueue(errand, settings.jobs()))),
              Metric.BULK_ENQUEUE_JOBS_PER_S);
      if (!enqueued) {
        results.fail(Metric.BURNDOWN_JOBS_PER_S, "not run: the bulk enqueue failed");
      } else {
        say("burn-down of %,d jobs", settings.jobs());
        measure(
            results,
            "burn-down",
            () ->
                results.put(
                    Metric.BURNDOWN_JOBS_PER_S, perSecond(settings.jobs(), burnDown.run(errand))),
            Metric.BURNDOWN_JOBS_PER_S);
      }
    }
    if (settings.arrivals() > 0) {
      say(
          "burn-down of %,d jobs while %,d jobs a second arrive",
          settings.jobs(), settings.arrivals());
      BurnDownWithArrivals phase = new BurnDownWithArrivals(settings.jobs(), settings.arrivals());
      try (Errand errand = Errand.create(phase.config())) {
        measure(
            results,
            "burn-down with arrivals",
            () -> phase.run(errand, results),
            Metric.ARRIVALS_BURNDOWN_JOBS_PER_S,
            Metric.ARRIVALS_PICKUP_P50_MS,
            Metric.ARRIVALS_PICKUP_P99_MS);
      }
    }
    return results;
  }

  /**
   * The uncounted warm-up round, on a store of its own that the caller drops afterwards: the
   * latency phases, then {@code warmupJobs} jobs bulk-enqueued and burned down exactly as in the
   * measured phases, then a wait until the JIT has finished compiling what they ran. Without it,
   * the measured burn-down of a fresh JVM shares the 2 cores with C2 compiling the claim,
   * completion and row-reading paths: on this machine about 2 s of compiler CPU during a 3 s
   * PostgreSQL burn-down, which measures the JIT's start-up rather than the throughput of a running
   * service. The measured store is fresh, so the round leaves no rows, dead index entries or cache
   * of its own behind.
   */
  void warmUp() throws InterruptedException {
    say(
        "warm-up round, not counted: the latency phases, then bulk enqueue and burn-down of %,d jobs",
        settings.warmupJobs());
    // The latency phases too: they share the enqueue and claim code with the throughput phases.
    // When they ran only after a round of the throughput phases, their calls changed the type
    // profiles enough for C2 to recompile Errand.insert and the bulk insert three times each during
    // the measured bulk enqueue (jdk.Compilation and jdk.Deoptimization events).
    singleEnqueueNanos();
    pickupNanos();
    BurnDown burnDown = new BurnDown(settings.warmupJobs());
    try (Errand errand = Errand.create(burnDown.config())) {
      bulkEnqueue(errand, settings.warmupJobs());
      burnDown.run(errand);
    }
    awaitQuietCompiler();
  }

  /**
   * Waits until the JIT's total compilation time stops growing, polling: there is no event to wait
   * on. Returns at once where the JVM does not report compilation time.
   */
  private static void awaitQuietCompiler() throws InterruptedException {
    if (COMPILER == null) {
      return;
    }
    long giveUpAt = System.nanoTime() + COMPILER_WAIT_LIMIT.toNanos();
    long before = compilationMillis();
    while (System.nanoTime() - giveUpAt < 0) {
      Thread.sleep(COMPILER_QUIET_PERIOD);
      long now = compilationMillis();
      if (now - before < COMPILER_QUIET_MILLIS) {
        return;
      }
      before = now;
    }
  }

  private static CompilationMXBean compilerThatReportsTime() {
    CompilationMXBean compiler = ManagementFactory.getCompilationMXBean();
    return compiler != null && compiler.isCompilationTimeMonitoringSupported() ? compiler : null;
  }

  /** The JIT's total compilation time so far, in ms; 0 where the JVM does not report it. */
  private static long compilationMillis() {
    return COMPILER == null ? 0 : COMPILER.getTotalCompilationTime();
  }

  /** A phase's work; it may fail. */
  private interface Phase {
    void run() throws Exception;
  }

  /**
   * Runs {@code phase}; if it fails, records why for each of {@code metrics} and says so.
   *
   * @return whether it succeeded
   */
  private boolean measure(StoreResults results, String what, Phase phase, Metric... metrics)
      throws InterruptedException {
    long compiledBefore = compilationMillis();
    try {
      phase.run();
      long compiled = compilationMillis() - compiledBefore;
      if (compiled > 0) {
        // On 2 cores the compiler's threads take CPU from the system under test: a phase with
        // much of it measured a JVM still warming up, and says so.
        progress.println(
            "bench: "
                + name
                + ": "
                + what
                + ": the JIT compiled for "
                + compiled
                + " ms meanwhile");
      }
      return true;
    } catch (InterruptedException e) {
      throw e;
    } catch (Exception e) {
      String why = e instanceof StallException ? e.getMessage() : what + " failed: " + e;
      progress.println("bench: " + name + ": " + why);
      for (Metric metric : metrics) {
        results.fail(metric, why);
      }
      return false;
    } finally {
      phaseEnded(what);
    }
  }

  /**
   * Times single {@link Errand#enqueue} calls of an insert-only client, one after another, after
   * {@code warmup} uncounted calls.
   */
  private long[] singleEnqueueNanos() {
    EnqueueOptions options = EnqueueOptions.defaults().queue(SINGLE_ENQUEUE_QUEUE);
    long[] nanos = new long[settings.samples()];
    try (Errand client = Errand.create(Config.builder(store).build())) {
      for (int i = 0; i < settings.warmup(); i++) {
        client.enqueue(new NoOp(i), options);
      }
      for (int i = 0; i < nanos.length; i++) {
        NoOp job = new NoOp(settings.warmup() + i);
        long start = System.nanoTime();
        client.enqueue(job, options);
        nanos[i] = System.nanoTime() - start;
      }
    }
    return nanos;
  }

  /**
   * With the queue's workers idle, enqueues one job and times until its {@code work()} starts;
   * waits until that job's completion is recorded before the next sample, so that each one meets
   * idle workers again.
   */
  private long[] pickupNanos() throws InterruptedException {
    BlockingQueue<Long> started = new LinkedBlockingQueue<>();
    BlockingQueue<JobEvent> finished = new LinkedBlockingQueue<>();
    Worker<NoOp> worker =
        job -> {
          started.add(System.nanoTime());
          return Outcome.complete();
        };
    Config config =
        Config.builder(store)
            .queue(Config.DEFAULT_QUEUE, settings.concurrency())
            .worker(NoOp.KIND, NoOp.class, worker)
            .listener(finished::add)
            .build();
    long[] nanos = new long[settings.samples()];
    try (Errand errand = Errand.create(config).start()) {
      for (int i = 0; i < settings.warmup() + nanos.length; i++) {
        long enqueued = System.nanoTime();
        errand.enqueue(new NoOp(i));
        long workStarted = take(started, "pickup sample " + i + ": work() to start");
        JobEvent event = take(finished, "pickup sample " + i + ": its completion");
        if (event.result() != JobEvent.Result.COMPLETED) {
          throw new IllegalStateException(
              "pickup sample " + i + ": job ended " + event.result() + ": " + event.error());
        }
        if (i >= settings.warmup()) {
          nanos[i - settings.warmup()] = workStarted - enqueued;
        }
      }
    }
    return nanos;
  }

  /**
   * Enqueues {@code jobs} jobs by {@link Errand#enqueueAll} in batches of {@code batch}, with no
   * worker running. The args lists are built before the clock starts; encoding them is timed.
   */
  private long bulkEnqueue(Errand errand, int jobs) {
    return bulkEnqueue(errand, jobs, EnqueueOptions.defaults());
  }

  /** Enqueues {@code jobs} no-op jobs with {@code options}, {@code --batch} per call; the nanos. */
  private long bulkEnqueue(Errand errand, int jobs, EnqueueOptions options) {
    List<List<NoOp>> batches = new ArrayList<>();
    for (int from = 0; from < jobs; from += settings.batch()) {
      int to = Math.min(from + settings.batch(), jobs);
      List<NoOp> batch = new ArrayList<>(to - from);
      for (int seq = from; seq < to; seq++) {
        batch.add(new NoOp(seq));
      }
      batches.add(batch);
    }
    long start = System.nanoTime();
    for (List<NoOp> batch : batches) {
      errand.enqueueAll(batch, options);
    }
    return System.nanoTime() - start;
  }

  /**
   * The burn-down node: Errand's default configuration, one queue at the given concurrency, a
   * worker that completes at once, and a listener that notes when the last job completed.
   */
  private final class BurnDown {
    private final int jobs;
    private final AtomicInteger completed = new AtomicInteger();
    private final CountDownLatch allCompleted = new CountDownLatch(1);
    private volatile long lastCompletion;
    private volatile JobEvent unexpected;

    BurnDown(int jobs) {
      this.jobs = jobs;
    }

    Config config() {
      Worker<NoOp> worker = job -> Outcome.complete();
      return Config.builder(store)
          .queue(Config.DEFAULT_QUEUE, settings.concurrency())
          .worker(NoOp.KIND, NoOp.class, worker)
          .listener(this::onEvent)
          .build();
    }

    private void onEvent(JobEvent event) {
      if (event.result() != JobEvent.Result.COMPLETED) {
        unexpected = event;
        return;
      }
      long now = System.nanoTime();
      lastCompletion = now;
      if (completed.incrementAndGet() == jobs) {
        allCompleted.countDown();
      }
    }

    /** Starts {@code errand} and times until all jobs completed. */
    long run(Errand errand) throws InterruptedException {
      long start = System.nanoTime();
      errand.start();
      int seen = 0;
      long seenAt = System.nanoTime();
      while (!allCompleted.await(1, TimeUnit.SECONDS)) {
        if (unexpected != null) {
          throw new IllegalStateException(
              "a job ended " + unexpected.result() + ": " + unexpected.error());
        }
        int now = completed.get();
        if (now != seen) {
          seen = now;
          seenAt = System.nanoTime();
        } else if (System.nanoTime() - seenAt > STALL_LIMIT.toNanos()) {
          throw new StallException(
              String.format(
                  "burn-down stalled: %,d of %,d jobs completed, none in the last %d s",
                  now, jobs, STALL_LIMIT.toSeconds()));
        }
        if (System.nanoTime() - start > BURN_DOWN_LIMIT.toNanos()) {
          throw new StallException(
              String.format(
                  "burn-down too slow: %,d of %,d jobs completed after %d minutes",
                  now, jobs, BURN_DOWN_LIMIT.toMinutes()));
        }
      }
      return lastCompletion - start;
    }
  }

  /**
   * A backlog of low-priority jobs burns down while new jobs keep arriving at a steady rate, one
   * enqueue at a time, at a higher priority: the shape of a queue catching up after an outage while
   * traffic goes on. Measures the backlog's rate and how long arrivals wait, overall and per
   * quarter of the backlog (does either change as the backlog shrinks?).
   */
  private final class BurnDownWithArrivals {
    static final int BACKLOG_PRIORITY = 5;
    static final int ARRIVAL_PRIORITY = 0;

    /** Arrivals being enqueued at once, at most. */
    static final int ARRIVING = 8;

    private final int jobs;
    private final int perSecond;
    private final AtomicInteger completed = new AtomicInteger();
    private final CountDownLatch allCompleted = new CountDownLatch(1);
    private final long[] quarterEndNanos = new long[4];

    /** Each arrival's wait, with the quarter of the backlog that was burning then. */
    private final ConcurrentLinkedQueue<long[]> waits = new ConcurrentLinkedQueue<>();

    private volatile long lastCompletion;

    BurnDownWithArrivals(int jobs, int perSecond) {
      this.jobs = jobs;
      this.perSecond = perSecond;
    }

    Config config() {
      Worker<NoOp> backlog =
          job -> {
            int done = completed.incrementAndGet();
            long now = System.nanoTime();
            lastCompletion = now;
            for (int q = 0; q < 4; q++) {
              if (done == (int) ((long) jobs * (q + 1) / 4)) {
                quarterEndNanos[q] = now;
              }
            }
            if (done == jobs) {
              allCompleted.countDown();
            }
            return Outcome.complete();
          };
      Worker<Arrival> arrival =
          job -> {
            long waited = System.nanoTime() - job.args().enqueuedNanos();
            waits.add(new long[] {waited, quarter(completed.get())});
            return Outcome.complete();
          };
      return Config.builder(store)
          .queue(Config.DEFAULT_QUEUE, settings.concurrency())
          .worker(NoOp.KIND, NoOp.class, backlog)
          .worker(Arrival.KIND, Arrival.class, arrival)
          .build();
    }

    private int quarter(int done) {
      return Math.min(3, (int) ((long) done * 4 / jobs));
    }

    void run(Errand errand, StoreResults results) throws Exception {
      bulkEnqueue(errand, jobs, EnqueueOptions.defaults().priority(BACKLOG_PRIORITY));
      EnqueueOptions high = EnqueueOptions.defaults().priority(ARRIVAL_PRIORITY);
      AtomicBoolean arriving = new AtomicBoolean(true);
      AtomicInteger arrivalFailures = new AtomicInteger();
      long start = System.nanoTime();
      errand.start();
      // Each arrival at its own time on a virtual thread: a single enqueue takes longer than the
      // gap between arrivals, so one thread could not keep the rate. At most ARRIVING at once: an
      // unbounded number would take every pooled connection from the workers (and a rate the
      // store cannot take is reported as the rate achieved, not queued up without end).
      Semaphore inFlight = new Semaphore(ARRIVING);
      AtomicInteger arrived = new AtomicInteger();
      Thread pacer =
          Thread.ofPlatform()
              .name("bench-arrivals")
              .start(
                  () -> {
                    try (var enqueuers = Executors.newVirtualThreadPerTaskExecutor()) {
                      long gap = 1_000_000_000L / perSecond;
                      for (long i = 0; arriving.get(); i++) {
                        long due = start + i * gap;
                        long wait = due - System.nanoTime();
                        if (wait > 0) {
                          LockSupport.parkNanos(wait);
                        }
                        inFlight.acquireUninterruptibly();
                        enqueuers.execute(
                            () -> {
                              try {
                                errand.enqueue(new Arrival(System.nanoTime()), high);
                                arrived.incrementAndGet();
                              } catch (RuntimeException e) {
                                arrivalFailures.incrementAndGet();
                              } finally {
                                inFlight.release();
                              }
                            });
                      }
                    }
                  });
      try {
        while (!allCompleted.await(1, TimeUnit.SECONDS)) {
          if (System.nanoTime() - start > BURN_DOWN_LIMIT.toNanos()) {
            throw new StallException(
                String.format(
                    "burn-down with arrivals too slow: %,d of %,d jobs after %d minutes",
                    completed.get(), jobs, BURN_DOWN_LIMIT.toMinutes()));
          }
        }
      } finally {
        arriving.set(false);
        pacer.join();
      }
      long elapsed = lastCompletion - start;
      List<long[]> all = new ArrayList<>(waits);
      if (all.isEmpty()) {
        throw new IllegalStateException("no arrival was picked up during the burn-down");
      }
      results.put(Metric.ARRIVALS_BURNDOWN_JOBS_PER_S, perSecond(jobs, elapsed));
      long[] nanos = all.stream().mapToLong(w -> w[0]).toArray();
      results.put(Metric.ARRIVALS_PICKUP_P50_MS, percentileMillis(nanos, 50));
      results.put(Metric.ARRIVALS_PICKUP_P99_MS, percentileMillis(nanos, 99));
      progress.printf(
          "bench: %s: %,d jobs arrived (%,.0f a second of the %,d asked for), %,d picked up during"
              + " the burn-down, %,d enqueues failed; per quarter of the backlog:%n",
          name,
          arrived.get(),
          arrived.get() * 1e9 / elapsed,
          perSecond,
          all.size(),
          arrivalFailures.get());
      long quarterStart = start;
      for (int q = 0; q < 4; q++) {
        int quarter = q;
        long[] inQuarter = all.stream().filter(w -> w[1] == quarter).mapToLong(w -> w[0]).toArray();
        long end = quarterEndNanos[q] == 0 ? lastCompletion : quarterEndNanos[q];
        progress.printf(
            "  %3d-%3d %% burned: %,8.0f backlog jobs/s, arrival pickup p50 %s ms, p99 %s ms%n",
            q * 25,
            (q + 1) * 25,
            perSecond(jobs / 4, end - quarterStart),
            inQuarter.length == 0 ? "-" : String.format("%.3f", percentileMillis(inQuarter, 50)),
            inQuarter.length == 0 ? "-" : String.format("%.3f", percentileMillis(inQuarter, 99)));
        quarterStart = end;
      }
    }
  }

  private static <T> T take(BlockingQueue<T> queue, String what) throws InterruptedException {
    T value = queue.poll(STALL_LIMIT.toNanos(), TimeUnit.NANOSECONDS);
    if (value == null) {
      throw new StallException("waited " + STALL_LIMIT.toSeconds() + " s in vain for " + what);
    }
    return value;
  }

  /** The nearest-rank percentile {@code p} of {@code nanos}, in milliseconds. */
  static double percentileMillis(long[] nanos, double p) {
    long[] sorted = nanos.clone();
    Arrays.sort(sorted);
    int rank = (int) Math.ceil(p / 100 * sorted.length);
    return sorted[Math.max(rank, 1) - 1] / 1e6;
  }

  private static double perSecond(int jobs, long nanos) {
    return jobs * 1e9 / nanos;
  }

  private void say(String format, Object... args) {
    progress.println("bench: " + name + ": " + String.format(format, args) + "…");
    if (timings != null) {
      timings.reset();
    }
  }

  private void phaseEnded(String phase) {
    if (timings != null) {
      progress.println("bench: " + name + ": " + timings.report(phase));
    }
  }
}
