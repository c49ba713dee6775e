package dev.errand.examples;

import dev.errand.Config;
import dev.errand.EnqueueOptions;
import dev.errand.Errand;
import dev.errand.JobEvent.Result;
import dev.errand.spi.Store;
import java.io.PrintStream;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.UUID;

/**
 * The demo: a small application's background work on Errand's in-memory store. It enqueues sign-in
 * e-mails, an import of {@value #IMPORT_SIZE} items that fans out into one job per item, a webhook
 * to a partner that fails twice before it succeeds, and a reminder due in two seconds; prints
 * progress until every job has ended; then stops Errand and prints a {@link DemoSummary}.
 *
 * <p>Each {@link #run()} has its own store and Errand. Not for concurrent use of one instance.
 */
public final class DemoApp {

  /** How many items the import holds. */
  public static final int IMPORT_SIZE = 10_000;

  /** Who signs in: one e-mail each. */
  public static final List<String> SIGN_INS =
      List.of("ada@example.com", "grace@example.com", "edsger@example.com");

  /** How many calls the partner fails before it recovers: the webhook's retries. */
  public static final int PARTNER_FAILURES = 2;

  private static final Duration REMINDER_DELAY = Duration.ofSeconds(2);
  private static final Duration TIME_LIMIT = Duration.ofMinutes(1);
  private static final Duration DRAIN = Duration.ofSeconds(10);

  private final PrintStream out;

  /** A demo that prints its progress and summary to {@code out}. */
  public DemoApp(PrintStream out) {
    this.out = out;
  }

  /**
   * Runs the workload until every job has ended or a minute has passed, stops Errand, and prints
   * and returns the summary. Blocks the calling thread.
   */
  public DemoSummary run() {
    Outbox outbox = new Outbox();
    Catalog catalog = new Catalog();
    Tally tally = new Tally();
    Errand errand =
        Errand.create(config(outbox, catalog, new FlakyPartner(PARTNER_FAILURES), tally)).start();
    ProgressMonitor monitor = new ProgressMonitor(errand, tally, out);
    long start = System.nanoTime();
    boolean finished = false;
    Duration elapsed;
    try {
      enqueueWorkload(errand);
      finished = monitor.awaitAllEnded(start, TIME_LIMIT);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } finally {
      elapsed = Duration.ofNanos(System.nanoTime() - start);
      // With every job ended there is nothing to drain; after the time limit, the drain lets
      // running attempts finish and makes the rest available again, so that no job is lost.
      errand.stop(DRAIN);
    }
    DemoSummary summary =
        new DemoSummary(
            finished,
            tally.count(Result.COMPLETED),
            tally.count(Result.RETRYING),
            tally.count(Result.DISCARDED),
            tally.count(Result.CANCELLED),
            catalog.size(),
            outbox.sent().size(),
            monitor.states(),
            elapsed);
    summary.print(out);
    return summary;
  }

  private static Config config(Outbox outbox, Catalog catalog, FlakyPartner partner, Tally tally) {
    return Config.builder(Store.inMemory())
        // One queue per kind of work, each with its own concurrency, so that 10,000 import items
        // cannot hold up a sign-in e-mail that someone is waiting for.
        .queue("mail", 5)
        .queue("import", 20)
        .queue(Config.DEFAULT_QUEUE, 10)
        .worker(SignInEmail.KIND, SignInEmail.class, new SignInEmail.Sender(outbox))
        .worker(TrialReminder.KIND, TrialReminder.class, new TrialReminder.Sender(outbox))
        .worker(ImportItems.KIND, ImportItems.class, new ImportItems.FanOut())
        .worker(ImportItem.KIND, ImportItem.class, new ImportItem.Importer(catalog))
        .worker(PartnerWebhook.KIND, PartnerWebhook.class, new PartnerWebhook.Deliverer(partner))
        .listener(tally)
        .build();
  }

  private void enqueueWorkload(Errand errand) {
    EnqueueOptions mail = EnqueueOptions.defaults().queue("mail");
    for (String address : SIGN_INS) {
      errand.enqueue(new SignInEmail(address, UUID.randomUUID().toString()), mail);
    }
    errand.enqueue(
        new ImportItems("catalog-2025-06", IMPORT_SIZE), EnqueueOptions.defaults().queue("import"));
    errand.enqueue(new PartnerWebhook("https://partner.example/hooks/orders", "order-1042"));
    errand.enqueue(new TrialReminder("ada@example.com"), mail.runIn(REMINDER_DELAY));
    out.printf(
        Locale.ROOT,
        "Enqueued %d sign-in e-mails, an import of %,d items, a webhook to a partner that is down"
            + " for %d calls, and a reminder due in %d s.%n%n",
        SIGN_INS.size(),
        IMPORT_SIZE,
        PARTNER_FAILURES,
        REMINDER_DELAY.toSeconds());
  }
}
