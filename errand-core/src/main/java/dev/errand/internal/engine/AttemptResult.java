package dev.errand.internal.engine;

import dev.errand.AttemptError;
import dev.errand.Backoff;
import dev.errand.EnqueueOptions;
import dev.errand.JobEvent;
import dev.errand.Outcome;
import dev.errand.spi.JobFinish;
import dev.errand.spi.JobRef;
import dev.errand.spi.NewJob;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * How one attempt ended: what the store is to record and what listeners are told once it has. The
 * one place that maps an attempt's end to a store write ({@link JobFinish}) and to a listener's
 * {@link JobEvent.Result}, for the engine's own workers and for external workers holding a lease
 * ({@link dev.errand.Leases}): the mapping of each {@link Outcome}, the retry or discard rule of a
 * failure, and the release of an unfinished attempt at shutdown.
 *
 * @param finish the write
 * @param result how the attempt ended, for listeners
 * @param error the failure or reason kept on the job, or null
 * @param duration how long the attempt ran, for listeners; null for an external worker's attempt,
 *     which Errand does not time
 */
public record AttemptResult(
    JobFinish finish, JobEvent.Result result, AttemptError error, Duration duration) {
  private static final Logger log = LoggerFactory.getLogger(AttemptResult.class);

  /** The result of an attempt that returned {@code outcome} at {@code now}. */
  public static AttemptResult of(
      JobRef ref, Instant now, Outcome outcome, List<NewJob> followUps, Duration duration) {
    return switch (outcome) {
      case Outcome.Complete c ->
          new AttemptResult(
              new JobFinish.Completed(ref, now, followUps),
              JobEvent.Result.COMPLETED,
              null,
              duration);
      case Outcome.Snooze s ->
          new AttemptResult(
              new JobFinish.Snoozed(ref, now, now.plus(s.delay())),
              JobEvent.Result.SNOOZED,
              null,
              duration);
      case Outcome.Cancel c -> {
        AttemptError reason = AttemptError.of(ref.attempt(), now, "cancelled", c.reason());
        yield new AttemptResult(
            new JobFinish.Cancelled(ref, now, reason), JobEvent.Result.CANCELLED, reason, duration);
      }
      case Outcome.Discard d -> {
        AttemptError reason = AttemptError.of(ref.attempt(), now, "discarded", d.reason());
        yield new AttemptResult(
            new JobFinish.Failed(ref, now, reason, null),
            JobEvent.Result.DISCARDED,
            reason,
            duration);
      }
    };
  }

  /**
   * The result of a failed attempt: discarded if it was the job's last, else retried after {@code
   * backoff} (the default backoff if that throws or exceeds {@link EnqueueOptions#MAX_RUN_IN}; at
   * once if it is null or negative).
   */
  public static AttemptResult failed(
      JobRef ref,
      int maxAttempts,
      String kind,
      AttemptError error,
      Supplier<Duration> backoff,
      Duration duration) {
    Instant now = error.at();
    if (ref.attempt() >= maxAttempts) {
      return new AttemptResult(
          new JobFinish.Failed(ref, now, error, null), JobEvent.Result.DISCARDED, error, duration);
    }
    Duration delay;
    try {
      delay = backoff.get();
    } catch (RuntimeException e) {
      log.warn("backoff of kind '{}' threw; using the default", kind, e);
      delay = Backoff.DEFAULT.delay(ref.attempt());
    }
    if (delay == null || delay.isNegative()) {
      delay = Duration.ZERO;
    } else if (delay.compareTo(EnqueueOptions.MAX_RUN_IN) > 0) {
      // Beyond it the retry time could overflow, or leave the range every store keeps.
      log.warn(
          "backoff of kind '{}' is {}, longer than EnqueueOptions.MAX_RUN_IN; using the default",
          kind,
          delay);
      delay = Backoff.DEFAULT.delay(ref.attempt());
    }
    return new AttemptResult(
        new JobFinish.Failed(ref, now, error, now.plus(delay)),
        JobEvent.Result.RETRYING,
        error,
        duration);
  }

  /**
   * The result of an attempt given back unfinished at shutdown (or never started): the job is
   * available again, and the attempt is not counted.
   */
  static AttemptResult released(JobRef ref, Instant now, Duration duration) {
    return new AttemptResult(
        new JobFinish.Released(ref, now), JobEvent.Result.RELEASED, null, duration);
  }
}
