package dev.errand.examples.app;

import dev.errand.Config;
import dev.errand.Enqueued;
import dev.errand.Errand;
import dev.errand.Job;
import dev.errand.JobArgs;
import dev.errand.JobKind;
import dev.errand.Outcome;
import dev.errand.Worker;
import dev.errand.sqlite.SqliteStore;
import java.nio.file.Path;
import java.time.LocalDate;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/** An application with one kind of job: it enqueues a welcome e-mail, runs it, and stops. */
public final class Main {

  /** The job's args, stored as JSON; the kind names the job type in storage, whatever the class. */
  @JobKind("welcome_email")
  public record WelcomeEmail(String address, LocalDate signedUpOn) implements JobArgs {}

  /** Sends the e-mail. Throwing would fail the attempt, to be retried with backoff. */
  static final class WelcomeEmailWorker implements Worker<WelcomeEmail> {
    final CountDownLatch sent = new CountDownLatch(1);

    @Override
    public Outcome work(Job<WelcomeEmail> job) {
      WelcomeEmail email = job.args();
      System.out.println(
          "Welcome, " + email.address() + ", who signed up on " + email.signedUpOn());
      sent.countDown();
      return Outcome.complete();
    }
  }

  public static void main(String[] args) throws InterruptedException {
    Path file = Path.of(args.length > 0 ? args[0] : "errand.db");
    WelcomeEmailWorker worker = new WelcomeEmailWorker();
    // The store is yours to close, after the Errand: the nested blocks close them in that order.
    try (SqliteStore store = SqliteStore.builder(file).build()) {
      store.migrate();
      Config config = Config.builder(store).queue(Config.DEFAULT_QUEUE, 10).worker(worker).build();
      try (Errand errand = Errand.create(config).start()) {
        Enqueued job = errand.enqueue(new WelcomeEmail("ada@example.com", LocalDate.now()));
        System.out.println("Enqueued job " + job.id());
        // A server would keep running; this program waits for its job, then stops.
        if (!worker.sent.await(30, TimeUnit.SECONDS)) {
          throw new IllegalStateException("job " + job.id() + " did not run within 30 s");
        }
      } // stops the workers: running jobs may finish, results are written
    } // closes the file, so that the next run can open it
  }
}
