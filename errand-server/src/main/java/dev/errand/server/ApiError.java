package dev.errand.server;

/**
 * A request the API refuses, with the HTTP status and the field at fault; rendered as {@code
 * {"error": message, "field": field}}.
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
}
