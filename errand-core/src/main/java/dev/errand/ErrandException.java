package dev.errand;

/**
 * The root of every exception Errand throws. Unchecked: most callers cannot recover from a failed
 * enqueue other than by failing their own request.
 */
public class ErrandException extends RuntimeException {
  public ErrandException(String message) {
    super(message);
  }

  public ErrandException(String message, Throwable cause) {
    super(message, cause);
  }
}
