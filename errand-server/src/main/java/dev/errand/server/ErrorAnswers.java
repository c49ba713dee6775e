package dev.errand.server;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.errand.JobArgsException;
import dev.errand.StoreException;
import io.javalin.http.Context;
import io.javalin.http.HttpResponseException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * How an exception from a guard or a handler becomes an answer: a JSON {@code {"error", "field"}}
 * with its status, or a browser sent to the login form. {@link ApiServer} maps every exception of
 * its application to it; {@link ErrandDashboard} calls it from its own routes only, so that a
 * user's application keeps its own exception handling.
 */
final class ErrorAnswers {
  private static final Logger log = LoggerFactory.getLogger(ErrorAnswers.class);

  private ErrorAnswers() {}

  static void answer(Exception e, Context ctx) {
    switch (e) {
      case ApiError refused -> error(ctx, refused.status, refused.field, refused.getMessage());
      case RequestGuard.LoginRequired login -> ctx.status(303).header("Location", login.loginPath);
      case HttpResponseException http -> error(ctx, http.getStatus(), null, http.getMessage());
      case JobArgsException args -> error(ctx, 400, "args", args.getMessage());
      case IllegalArgumentException invalid -> error(ctx, 400, null, invalid.getMessage());
      case StoreException store -> {
        // The store's own words (SQL, addresses) stay in the log: the client learns only that it
        // may try again. No stack trace: an outage fails every request.
        log.warn("store call failed for {} {}: {}", ctx.method(), ctx.path(), causes(store));
        error(ctx, 503, null, "the store is unavailable; try again later");
      }
      default -> {
        log.error("{} {} failed", ctx.method(), ctx.path(), e);
        error(ctx, 500, null, "internal error: " + e.getClass().getSimpleName());
      }
    }
  }

  static void error(Context ctx, int status, String field, String message) {
    ObjectNode body = Body.MAPPER.createObjectNode();
    body.put("error", message);
    if (field != null) {
      body.put("field", field);
    }
    Exchanges.json(ctx, status, body);
  }

  /** An exception's message and its causes', for the log. */
  static String causes(Throwable e) {
    StringBuilder text = new StringBuilder(String.valueOf(e));
    for (Throwable cause = e.getCause(); cause != null; cause = cause.getCause()) {
      text.append("; caused by ").append(cause);
    }
    return text.toString();
  }
}
