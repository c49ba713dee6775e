package dev.errand.server;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import io.javalin.http.Context;
import java.io.UncheckedIOException;
import java.util.Set;

/** What the routes do with a request and its answer: ids in paths, empty bodies, JSON answers. */
final class Exchanges {
  private static final String JSON = "application/json";

  private Exchanges() {}

  /** Answers {@code status} with {@code body}. */
  static void json(Context ctx, int status, JsonNode body) {
    try {
      ctx.status(status).contentType(JSON).result(Body.MAPPER.writeValueAsBytes(body));
    } catch (JsonProcessingException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** The job id in the path. */
  static long id(Context ctx) {
    return number("id", ctx.pathParam("id"), 1, Long.MAX_VALUE);
  }

  /** Refuses a body on a route that takes none; an empty object is no body. */
  static void noBody(Context ctx) {
    byte[] bytes = ctx.bodyAsBytes();
    if (bytes.length > 0) {
      Body.parse(bytes, Set.of());
    }
  }

  /**
   * An integer of ASCII digits (a minus sign only to say that it is out of range): {@code
   * Long.parseLong} alone would also take {@code +1} and other scripts' digits ({@code １}), so one
   * job would have many addresses.
   */
  static long number(String field, String text, long min, long max) {
    long value;
    try {
      if (!text.matches("-?[0-9]{1,19}")) {
        throw new NumberFormatException();
      }
      value = Long.parseLong(text);
    } catch (NumberFormatException e) {
      throw ApiError.badRequest(
          field, field + " must be an integer of ASCII digits, was '" + text + "'");
    }
    if (value < min || value > max) {
      throw ApiError.badRequest(
          field, field + " must be between " + min + " and " + max + ", was " + value);
    }
    return value;
  }
}
