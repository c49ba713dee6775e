package dev.errand;

import java.time.Duration;

/** Kept in a job's errors when an attempt ran past its worker's timeout and was interrupted. */
public class JobTimeoutException extends ErrandException {
  public JobTimeoutException(Duration timeout) {
    super("job attempt timed out after " + timeout);
  }
}
