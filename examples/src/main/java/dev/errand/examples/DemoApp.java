package dev.errand.examples;

import dev.errand.Config;
import dev.errand.EnqueueOptions;
import dev.errand.Errand;
import dev.errand.JobEvent.Result;
import dev.errand.JobState;
import dev.errand.PeriodicJob;
import dev.errand.QueueInfo;
import dev.errand.Schedule;
import dev.errand.UniqueOptions;
import dev.errand.spi.Capability;
import dev.errand.spi.Store;
import java.io.PrintStream;
import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The demo: a small application's background work, enqueued continuously on any store. Sign-in
 * e-mails go out through a mail provider that refuses one call in {@value
 * MailProvider#FAILING_ONE_IN} (retried with backoff); an import of {@value #IMPORT_SIZE} items
 * fans out into one job per item every {@link #IMPORT_EVERY}; a cron job expires old sessions every
 * five seconds.
 *
 * <p>Use: {@link #start()}, then {@link #awaitEnd} (which prints progress), then {@link #stop()}
 * (which prints and returns the summary). {@link #requestStop()} may be called from any thread, a
 * shutdown hook for instance. One run per instance.
 */
public final class DemoApp {

  /** How many items each import holds. */
  public static final int IMPORT_SIZE = 10_000;

  /** How often an import starts, the first one at once. */
  public static final Duration IMPORT_EVERY = Duration.ofSeconds(20);

  /** When the cron job runs: every five seconds (six fields, seconds first). */
  public static final String EXPIRE_SESSIONS_SCHEDULE = "*/5 * * * * *";

  /** How often an event's tickets are generated and sent. */
  public static final Duration TICKETS_EVERY = Duration.ofSeconds(5);

  /** How many tickets each event has: the members of its batch. */
  public static final int TICKETS_PER_EVENT = 20;

  /** The pause between two sign-in e-mails: about ten a second. */
  static final Duration SIGN_IN_EVERY = Duration.ofMillis(100);

  /** How often the catalog asks for a search-index rebuild: more often than one takes. */
  static final Duration REINDEX_EVERY = Duration.ofMillis(500);

  // At most one rebuild waits or runs: asking again meanwhile stores nothing.
  private static final EnqueueOptions ONE_REBUILD_AT_A_TIME =
      EnqueueOptions.defaults()
          .unique(
              UniqueOptions.byKind()
                  .byStates(UniqueOptions.REQUIRED_STATES.toArray(JobState[]::new)));

  /** How long running jobs may finish when the demo is stopped; the rest wait in the store. */
  static final Duration DRAIN = Duration.ofSeconds(3);

  /** How long a finite run waits, after it stops enqueueing, for the enqueued jobs to end. */
  static final Duration FINISH_LIMIT = Duration.ofMinutes(1);

  private static final Duration TICK = Duration.ofMillis(500);

  /** How {@link #awaitEnd} ended. */
  public enum Ending {
    /** {@link #requestStop()} was called: jobs still waiting stay in the store. */
    STOPPED,
    /** The duration passed and every job enqueued had ended. */
    FINISHED,
    /** The duration passed but jobs were still waiting {@link #FINISH_LIMIT} later. */
    GAVE_UP
  }

  private final Store store;
  private final boolean uniqueJobs;
  private final boolean dependencies;
  private final Tally tally = new Tally();
  private final MailProvider mail = new MailProvider();
  private final Catalog catalog = new Catalog();
  private final Sessions sessions = new Sessions();
  private final TicketOffice tickets = new TicketOffice();
  private final Errand errand;
  private final ScheduledExecutorService enqueuer =
      Executors.newSingleThreadScheduledExecutor(
          Thread.ofPlatform().name("demo-enqueuer").daemon().factory());
  private final CountDownLatch stopRequested = new CountDownLatch(1);
  private final AtomicLong signIns = new AtomicLong();
  private final AtomicLong imports = new AtomicLong();
  private final AtomicLong events = new AtomicLong();
  private final AtomicLong rebuildsSkipped = new AtomicLong();
  private final AtomicLong enqueueFailures = new AtomicLong();
  private volatile String lastEnqueueFailure;
  private long startNanos;
  private Ending ending;

  /** A demo on {@code store}, which it does not close. */
  public DemoApp(Store store) {
    this.store = store;
    this.uniqueJobs = store.capabilities().contains(Capability.UNIQUE_JOBS);
    this.dependencies = store.capabilities().contains(Capability.DEPENDENCIES);
    this.errand = Errand.create(config());
  }

  private Config config() {
    Config.Builder config =
        Config.builder(store)
            // One queue per kind of work, each with its own concurrency, so that 10,000 import
            // items
            // cannot hold up a sign-in e-mail that someone is waiting for.
            .queue("mail", 5)
            .queue("import", 20)
            .queue("tickets", 5)
            .queue(Config.DEFAULT_QUEUE, 5)
            .worker(SignInEmail.KIND, SignInEmail.class, new SignInEmail.Sender(mail))
            .worker(ImportItems.KIND, ImportItems.class, new ImportItems.FanOut())
            .worker(ImportItem.KIND, ImportItem.class, new ImportItem.Importer(catalog))
            .worker(ExpireSessions.KIND, ExpireSessions.class, new ExpireSessions.Sweeper(sessions))
            .worker(
                GenerateTicket.KIND, GenerateTicket.class, new GenerateTicket.Generator(tickets))
            .worker(SendTickets.KIND, SendTickets.class, new SendTickets.Sender(tickets))
            .worker(
                RebuildSearchIndex.KIND,
                RebuildSearchIndex.class,
                new RebuildSearchIndex.Rebuilder())
            .listener(tally);
    if (uniqueJobs) {
      config.periodic(
          PeriodicJob.of(Schedule.cron(EXPIRE_SESSIONS_SCHEDULE), new ExpireSessions()));
    }
    return config.build();
  }

  /** The Errand the demo runs on, for an API server to share. */
  public Errand errand() {
    return errand;
  }

  /** Prints what the demo enqueues, and what it leaves out on this store. */
  public void printWorkload(PrintStream out) {
    out.printf(
        Locale.ROOT,
        "Enqueuing continuously:%n"
            + "- about %d sign-in e-mails a second, through a mail provider that refuses one%n"
            + "  call in %d (retried with backoff);%n"
            + "- an import of %,d items, fanned out into one job per item, every %d s;%n",
        Duration.ofSeconds(1).dividedBy(SIGN_IN_EVERY),
        MailProvider.FAILING_ONE_IN,
        IMPORT_SIZE,
        IMPORT_EVERY.toSeconds());
    if (uniqueJobs) {
      out.printf(
          Locale.ROOT,
          "- a unique search-index rebuild, asked for every %d ms: one waits at a time;%n"
              + "- a cron job (%s) that expires old sessions;%n",
          REINDEX_EVERY.toMillis(),
          EXPIRE_SESSIONS_SCHEDULE);
    }
    if (dependencies) {
      out.printf(
          Locale.ROOT,
          "- every %d s an event's tickets: a batch of %d generate_ticket jobs and one%n"
              + "  send_tickets callback, run once they have all ended.%n",
          TICKETS_EVERY.toSeconds(),
          TICKETS_PER_EVENT);
    }
    if (!uniqueJobs) {
      out.println(
          "Left out: the cron job and the unique search-index rebuild; this store cannot\n"
              + "keep a job unique (no UNIQUE_JOBS).");
    }
    if (!dependencies) {
      out.println(
          "Left out: the ticket batches; this store cannot make a job wait for others\n"
              + "(no DEPENDENCIES).");
    }
  }

  /** Starts Errand and the enqueueing. */
  public synchronized DemoApp start() {
    errand.start();
    startNanos = System.nanoTime();
    repeat(this::enqueueSignIn, Duration.ZERO, SIGN_IN_EVERY);
    repeat(this::enqueueImport, Duration.ZERO, IMPORT_EVERY);
    if (uniqueJobs) {
      repeat(this::askForRebuild, Duration.ZERO, REINDEX_EVERY);
    }
    if (dependencies) {
      repeat(this::enqueueTicketBatch, Duration.ZERO, TICKETS_EVERY);
    }
    return this;
  }

  /**
   * Whether every kind of event the demo shows has happened at least once: an e-mail retried after
   * a refused call, a periodic run, and, where the store has them, a rebuild skipped as a duplicate
   * and a ticket batch sent. A test waits for this, then ends the run ({@code awaitEnd} with a
   * duration of zero), instead of hoping a fixed run was long enough on a busy machine.
   */
  public boolean hasShownEverything() {
    DemoProgress p = progress(states());
    return p.retried() > 0
        && p.cronRuns() > 0
        && (!uniqueJobs || p.duplicatesSkipped() > 0)
        && (!dependencies || p.ticketBatchesSent() > 0);
  }

  /** Ends {@link #awaitEnd} soon. Thread-safe. */
  public void requestStop() {
    stopRequested.countDown();
  }

  /**
   * Prints progress until {@link #requestStop()} is called, or, when {@code duration} is not null,
   * until it has passed since {@link #start()} and the jobs enqueued until then have ended (at most
   * {@link #FINISH_LIMIT} more). Stops enqueueing before it returns. Blocks the calling thread.
   */
  public Ending awaitEnd(Duration duration, ProgressPrinter printer) throws InterruptedException {
    long deadline = duration == null ? Long.MAX_VALUE : startNanos + duration.toNanos();
    long finishBy = Long.MAX_VALUE;
    try {
      while (true) {
        if (stopRequested.await(TICK.toMillis(), TimeUnit.MILLISECONDS)) {
          return ending = Ending.STOPPED;
        }
        Map<JobState, Long> states = states();
        printer.print(progress(states));
        long now = System.nanoTime();
        if (finishBy == Long.MAX_VALUE && now - deadline >= 0) {
          stopEnqueueing();
          finishBy = now + FINISH_LIMIT.toNanos();
          // The states above were read before the enqueues in flight ended: judge the next ones.
          continue;
        }
        if (finishBy != Long.MAX_VALUE) {
          if (allEnded(states)) {
            return ending = Ending.FINISHED;
          }
          if (now - finishBy >= 0) {
            return ending = Ending.GAVE_UP;
          }
        }
      }
    } finally {
      printer.finish();
      stopEnqueueing();
    }
  }

  /**
   * Stops enqueueing, lets running jobs finish for up to {@link #DRAIN} (the others wait in the
   * store for the next run), stops Errand, and returns the summary.
   */
  public synchronized DemoSummary stop() {
    stopEnqueueing();
    errand.stop(DRAIN);
    return new DemoSummary(
        ending == null ? Ending.STOPPED : ending,
        Duration.ofNanos(System.nanoTime() - startNanos),
        tally.completedByKind(),
        tally.count(Result.RETRYING),
        tally.count(Result.DISCARDED),
        tally.count(Result.CANCELLED),
        mail.sent(),
        catalog.size(),
        sessions.expired(),
        rebuildsSkipped.get(),
        events.get(),
        tickets.sent(),
        enqueueFailures.get(),
        lastEnqueueFailure,
        states());
  }

  /** What the demo has done so far. */
  DemoProgress progress(Map<JobState, Long> states) {
    return new DemoProgress(
        Duration.ofNanos(System.nanoTime() - startNanos),
        tally.count(Result.COMPLETED),
        tally.count(Result.RETRYING),
        tally.count(Result.DISCARDED),
        states,
        tally.completed(ExpireSessions.KIND),
        rebuildsSkipped.get(),
        tickets.sentCount(),
        uniqueJobs,
        dependencies,
        enqueueFailures.get());
  }

  /** How many jobs the store holds in each state, over all queues; states with none are absent. */
  Map<JobState, Long> states() {
    Map<JobState, Long> total = new EnumMap<>(JobState.class);
    for (QueueInfo queue : errand.queues().list()) {
      queue.counts().forEach((state, count) -> total.merge(state, count, Long::sum));
    }
    total.values().removeIf(count -> count == 0);
    return total;
  }

  private static boolean allEnded(Map<JobState, Long> states) {
    return states.keySet().stream().allMatch(JobState::isFinal);
  }

  private void enqueueSignIn() {
    long n = signIns.incrementAndGet();
    String token = UUID.randomUUID().toString();
    sessions.open(token, errand.config().clock().instant());
    errand.enqueue(
        new SignInEmail("user" + n + "@example.com", token),
        EnqueueOptions.defaults().queue("mail"));
  }

  private void enqueueImport() {
    long n = imports.incrementAndGet();
    errand.enqueue(
        new ImportItems("catalog-" + n, IMPORT_SIZE), EnqueueOptions.defaults().queue("import"));
  }

  private void enqueueTicketBatch() {
    String eventId = "event-" + events.incrementAndGet();
    EnqueueOptions queue = EnqueueOptions.defaults().queue("tickets");
    List<GenerateTicket> seats = new ArrayList<>(TICKETS_PER_EVENT);
    for (int seat = 1; seat <= TICKETS_PER_EVENT; seat++) {
      seats.add(new GenerateTicket(eventId, seat));
    }
    // Members and callback are stored all or none; the callback runs once, after the last member
    // ended, whichever way it ended, and reads the counts from job.dependencies().
    errand.batch().addAll(seats, queue).onFinish(new SendTickets(eventId), queue).enqueue();
  }

  private void askForRebuild() {
    if (errand.enqueue(new RebuildSearchIndex(), ONE_REBUILD_AT_A_TIME).duplicate()) {
      rebuildsSkipped.incrementAndGet();
    }
  }

  private void repeat(Runnable enqueue, Duration first, Duration every) {
    enqueuer.scheduleWithFixedDelay(
        () -> {
          // A failed enqueue (the store is down) must not end the schedule: count it, try again.
          try {
            enqueue.run();
          } catch (RuntimeException e) {
            enqueueFailures.incrementAndGet();
            lastEnqueueFailure = e.toString();
          }
        },
        first.toMillis(),
        every.toMillis(),
        TimeUnit.MILLISECONDS);
  }

  private void stopEnqueueing() {
    enqueuer.shutdown();
    try {
      // An enqueue in flight finishes, so that a job is either stored or was never asked for.
      enqueuer.awaitTermination(10, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
