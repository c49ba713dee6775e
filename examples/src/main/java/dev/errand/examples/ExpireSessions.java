package dev.errand.examples;

import dev.errand.Job;
import dev.errand.JobArgs;
import dev.errand.Outcome;
import dev.errand.Worker;

/**
 * Deletes expired sign-in sessions: housekeeping that runs on a cron schedule, enqueued by
 * whichever node leads, once per slot. Has no args: the slot ({@code job.scheduledAt()}) says which
 * run it is.
 */
public record ExpireSessions() implements JobArgs {

  /** The stored kind. */
  public static final String KIND = "expire_sessions";

  @Override
  public String kind() {
    return KIND;
  }

  /** Expires the sessions older than the slot in the {@link Sessions} stand-in. Thread-safe. */
  public static final class Sweeper implements Worker<ExpireSessions> {
    private final Sessions sessions;

    Sweeper(Sessions sessions) {
      this.sessions = sessions;
    }

    @Override
    public Outcome work(Job<ExpireSessions> job) {
      // The slot, not the clock: a run that starts late still expires what its slot should.
      sessions.expireBefore(job.scheduledAt());
      return Outcome.complete();
    }
  }
}
