package dev.errand.server;

import dev.errand.AttemptRef;
import dev.errand.Errand;
import dev.errand.JobInfo;
import java.time.Duration;
import java.util.List;
import java.util.Set;

/** Jobs with a failed attempt, as a worker would leave them, for the dashboard's tests. */
final class FailedAttempts {
  private FailedAttempts() {}

  /**
   * Claims the next job of {@code queue} as {@code worker} and fails its attempt with this error,
   * to be retried after {@code retryIn}; returns the job's id.
   */
  static long failNext(
      Errand errand,
      String queue,
      String worker,
      String errorClass,
      String message,
      String stackTrace,
      Duration retryIn) {
    JobInfo job =
        errand.leases().fetch(List.of(queue), Set.of(), 1, worker, Duration.ofMinutes(5)).get(0);
    errand
        .leases()
        .fail(new AttemptRef(job.id(), job.attempt()), errorClass, message, stackTrace, retryIn);
    return job.id();
  }
}
