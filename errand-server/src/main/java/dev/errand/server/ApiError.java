package dev.errand.server;

import java.util.function.Supplier;

/**
 * A request the API refuses, with the HTTP status and the field at fault; rendered as {@code
 * {"error": message, "field": field}}. The command line, which reads {@code errand enqueue}'s flags
 * with the API's reader, prints its message and exits 2.
 */
final class ApiError extends RuntimeException {
  final int status;
  final String field;

  ApiError(int status, String field, String message) {
    super(message, null, false, false);
    this.status = status;
    this.field = field;
  }

  static ApiError badRequest(String field, String message) {
    return new ApiError(400, field, message);
  }

  static ApiError notFound(String field, String message) {
    return new ApiError(404, field, message);
  }

  static ApiError conflict(String field, String message) {
    return new ApiError(409, field, message);
  }

  /** Runs {@code check}; its refusal becomes a 400 naming {@code field}. */
  static void check(String field, Runnable check) {
    checked(
        field,
        () -> {
          check.run();
          return null;
        });
  }

  /** {@code make}'s value, or a 400 naming {@code field} with its refusal. */
  static <T> T checked(String field, Supplier<T> make) {
    try {
      return make.get();
    } catch (IllegalArgumentException e) {
      throw badRequest(field, field + ": " + e.getMessage());
    }
  }
}
