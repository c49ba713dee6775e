package dev.errand;

/**
 * Job args could not be written as JSON or read back: the message names the kind and the field. At
 * enqueue nothing is stored; in a running job the attempt fails and the job is kept.
 */
public class JobArgsException extends ErrandException {
  public JobArgsException(String message, Throwable cause) {
    super(message, cause);
  }

  public JobArgsException(String message) {
    super(message);
  }
}
