package dev.errand.examples;

import dev.errand.Job;
import dev.errand.JobArgs;
import dev.errand.Outcome;
import dev.errand.Worker;
import java.time.Duration;

/**
 * Sends a sign-in link: the classic job that must leave the web request quickly and must not be
 * lost if the mail server is slow.
 *
 * @param address where the link goes
 * @param token the one-time sign-in token in the link
 */
public record SignInEmail(String address, String token) implements JobArgs {

  /** The stored kind: a fixed string, so that renaming this record keeps queued jobs working. */
  public static final String KIND = "sign_in_email";

  @Override
  public String kind() {
    return KIND;
  }

  /** Sends the e-mail through the {@link Outbox}. Thread-safe. */
  public static final class Sender implements Worker<SignInEmail> {
    private final Outbox outbox;

    Sender(Outbox outbox) {
      this.outbox = outbox;
    }

    @Override
    public Outcome work(Job<SignInEmail> job) throws InterruptedException {
      outbox.send(job.args().address(), "Your sign-in link");
      return Outcome.complete();
    }

    /** A mail server that has not answered in 10 s will not; fail and retry instead of waiting. */
    @Override
    public Duration timeout(Job<SignInEmail> job) {
      return Duration.ofSeconds(10);
    }
  }
}
