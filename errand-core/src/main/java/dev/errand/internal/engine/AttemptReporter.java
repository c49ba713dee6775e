package dev.errand.internal.engine;

import dev.errand.JobEvent;
import dev.errand.JobListener;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Tells how the attempts this node held ended: logs failures, results the store refused, attempts
 * stopped because their job is no longer ours and workers stuck past their timeout, and hands each
 * recorded result to the job listeners as a {@link JobEvent}. These per-job lines have a logger of
 * their own, so that an application can quiet them apart from the engine's (the server's demo
 * does).
 */
final class AttemptReporter {
  private static final Logger log = LoggerFactory.getLogger(AttemptReporter.class);

  private final List<JobListener> listeners;
  private final AttemptCounts counts;

  AttemptReporter(List<JobListener> listeners, AttemptCounts counts) {
    this.listeners = listeners;
    this.counts = counts;
  }

  /** {@code attempt} is stopped because its job is no longer ours, for the reason {@code why}. */
  void stopping(HeldAttempt attempt, String why) {
    log.info("stopping job {} ({}) because {}", attempt.info.id(), attempt.info.kind(), why);
  }

  /**
   * {@code attempt}'s worker ignored the interrupt of its timeout: the attempt is recorded as timed
   * out while its thread still runs.
   */
  void stuck(HeldAttempt attempt) {
    log.warn(
        "job {} ({}) attempt {} ignored the interrupt of its timeout ({}) for {}: recorded as timed"
            + " out; its thread {} still runs and holds a slot of queue '{}' until it returns",
        attempt.info.id(),
        attempt.info.kind(),
        attempt.info.attempt(),
        attempt.timeout,
        TimeoutSweeper.STUCK_AFTER,
        attempt.threadName(),
        attempt.info.queue());
  }

  /** {@code attempt}'s result was written: recorded ({@code applied}), or refused. */
  void written(HeldAttempt attempt, boolean applied) {
    if (!applied) {
      log.info(
          "result of job {} attempt {} was not recorded: the job is no longer ours",
          attempt.info.id(),
          attempt.info.attempt());
      return;
    }
    AttemptResult result = attempt.result;
    if (result.result() == JobEvent.Result.COMPLETED) {
      counts.count(attempt.info.queue(), true);
    } else if (result.result() == JobEvent.Result.RETRYING
        || result.result() == JobEvent.Result.DISCARDED) {
      counts.count(attempt.info.queue(), false);
    }
    if (result.result() == JobEvent.Result.RETRYING
        || result.result() == JobEvent.Result.DISCARDED) {
      log.warn(
          "job {} ({}) attempt {} failed{}: {}: {}",
          attempt.info.id(),
          attempt.info.kind(),
          attempt.info.attempt(),
          result.result() == JobEvent.Result.DISCARDED ? " for good" : ", will retry",
          result.error().errorClass(),
          result.error().message());
    }
    JobEvent event = new JobEvent(attempt.info, result.result(), result.duration(), result.error());
    for (JobListener listener : listeners) {
      try {
        listener.onJobEvent(event);
      } catch (RuntimeException e) {
        log.warn("job listener {} threw; ignored", listener, e);
      }
    }
  }
}
