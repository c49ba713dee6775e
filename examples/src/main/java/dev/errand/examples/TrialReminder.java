package dev.errand.examples;

import dev.errand.Job;
import dev.errand.JobArgs;
import dev.errand.Outcome;
import dev.errand.Worker;

/**
 * Reminds an account that its trial ends soon: a job enqueued now to run later (in the demo, 2 s
 * later instead of days).
 *
 * @param address where the reminder goes
 */
public record TrialReminder(String address) implements JobArgs {

  /** The stored kind. */
  public static final String KIND = "trial_reminder";

  @Override
  public String kind() {
    return KIND;
  }

  /** Sends the reminder through the {@link Outbox}. Thread-safe. */
  public static final class Sender implements Worker<TrialReminder> {
    private final Outbox outbox;

    Sender(Outbox outbox) {
      this.outbox = outbox;
    }

    @Override
    public Outcome work(Job<TrialReminder> job) throws InterruptedException {
      outbox.send(job.args().address(), "Your trial ends in 3 days");
      return Outcome.complete();
    }
  }
}
