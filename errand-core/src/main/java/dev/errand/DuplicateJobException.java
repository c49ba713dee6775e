package dev.errand;

/**
 * A change would make two unique jobs with the same key count at once: a manual retry of a job
 * whose key another job holds by now. Nothing was changed.
 */
public class DuplicateJobException extends ErrandException {
  private final long jobId;
  private final long holderId;

  public DuplicateJobException(long jobId, long holderId) {
    super(
        "job "
            + jobId
            + " cannot be retried: unique job "
            + holderId
            + " with the same key is still held; retry or cancel that one instead");
    this.jobId = jobId;
    this.holderId = holderId;
  }

  /** The job that was not changed. */
  public long jobId() {
    return jobId;
  }

  /** The job that holds the key. */
  public long holderId() {
    return holderId;
  }
}
