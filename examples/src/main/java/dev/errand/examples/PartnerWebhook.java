package dev.errand.examples;

import dev.errand.Backoff;
import dev.errand.Job;
import dev.errand.JobArgs;
import dev.errand.Outcome;
import dev.errand.Worker;
import java.io.IOException;
import java.time.Duration;

/**
 * Tells a partner about an order by calling its webhook. The partner is sometimes down, so the
 * worker just throws and lets Errand retry.
 *
 * @param url the partner's endpoint
 * @param eventId the event, so that the partner can drop a repeat delivery
 */
public record PartnerWebhook(String url, String eventId) implements JobArgs {

  /** The stored kind. */
  public static final String KIND = "partner_webhook";

  @Override
  public String kind() {
    return KIND;
  }

  /** Posts the event to the {@link FlakyPartner}. Thread-safe. */
  public static final class Deliverer implements Worker<PartnerWebhook> {

    // Real webhooks want the default exponential backoff (seconds to hours); the demo retries
    // after a fixed 200 ms so that it finishes in a few seconds.
    private static final Backoff RETRY = Backoff.fixed(Duration.ofMillis(200));

    private final FlakyPartner partner;

    Deliverer(FlakyPartner partner) {
      this.partner = partner;
    }

    @Override
    public Outcome work(Job<PartnerWebhook> job) throws IOException {
      partner.post(job.args().url(), job.args().eventId());
      return Outcome.complete();
    }

    @Override
    public Duration backoff(Job<PartnerWebhook> job) {
      return RETRY.delay(job.attempt());
    }

    /** Five tries, then the job is discarded and waits in the dead set for a manual retry. */
    @Override
    public int maxAttempts() {
      return 5;
    }
  }
}
