package dev.errand;

/**
 * The store failed an operation (the database is down, a query failed). Thrown by stores at their
 * boundary, translating their own errors; the engine retries its own store calls with backoff.
 */
public class StoreException extends ErrandException {
  public StoreException(String message, Throwable cause) {
    super(message, cause);
  }

  public StoreException(String message) {
    super(message);
  }
}
