package dev.errand;

import java.time.Duration;

/**
 * What happened to one attempt, reported to {@link JobListener}s once the store has recorded it.
 *
 * @param job the job as it was fetched for the attempt
 * @param result what the attempt ended in
 * @param duration how long the worker ran
 * @param error the attempt's error, for {@link Result#RETRYING}, {@link Result#DISCARDED} and
 *     {@link Result#CANCELLED}; else null
 */
public record JobEvent(JobInfo job, Result result, Duration duration, AttemptError error) {

  /** How an attempt ended. */
  public enum Result {
    /** The job completed. */
    COMPLETED,
    /** The attempt failed and the job will be retried. */
    RETRYING,
    /** The attempt failed for good, or the worker discarded the job. */
    DISCARDED,
    /** The job will run again later; the attempt is not counted. */
    SNOOZED,
    /** The worker cancelled the job. */
    CANCELLED,
    /** The node shut down before the attempt ended; the job is available again. */
    RELEASED
  }
}
