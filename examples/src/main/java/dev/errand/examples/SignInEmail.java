package dev.errand.examples;

import dev.errand.Backoff;
import dev.errand.Job;
import dev.errand.JobArgs;
import dev.errand.Outcome;
import dev.errand.Worker;
import java.io.IOException;
import java.time.Duration;

/**
 * Sends a sign-in link: the classic job that must leave the web request quickly and must not be
 * lost if the mail provider is slow or refuses a call.
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

  /** Sends the e-mail through the {@link MailProvider}; a refused call throws and is retried. */
  public static final class Sender implements Worker<SignInEmail> {

    // Errand's default backoff starts at 1 s; someone waiting for a sign-in link should not wait
    // that long, so this one starts at 250 ms and doubles up to 10 s.
    private static final Backoff RETRY =
        Backoff.exponential(Duration.ofMillis(250), Duration.ofSeconds(10), 0.2);

    private final MailProvider provider;

    Sender(MailProvider provider) {
      this.provider = provider;
    }

    @Override
    public Outcome work(Job<SignInEmail> job) throws IOException, InterruptedException {
      provider.send(job.args().address(), "Your sign-in link");
      return Outcome.complete();
    }

    @Override
    public Duration backoff(Job<SignInEmail> job) {
      return RETRY.delay(job.attempt());
    }

    /** A provider that has not answered in 10 s will not; fail and retry instead of waiting. */
    @Override
    public Duration timeout(Job<SignInEmail> job) {
      return Duration.ofSeconds(10);
    }
  }
}
