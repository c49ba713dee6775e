package dev.errand.server;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.errand.Errand;
import dev.errand.JobArgsException;
import dev.errand.StoreException;
import io.javalin.Javalin;
import io.javalin.http.Context;
import io.javalin.http.Handler;
import io.javalin.http.HandlerType;
import io.javalin.http.HttpResponseException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The HTTP API of one {@link Errand}: jobs and queues under {@code /api}, the worker protocol under
 * {@code /api/worker}, {@code /health}, {@code /ready} and {@code /openapi.yaml}. Built only on the
 * public API. Requests run on virtual threads; every refusal is a JSON {@code {"error", "field"}}
 * with a 4xx status, and a refused request changes nothing.
 *
 * <p>This class wires the server: Javalin and Jetty, the {@link RequestGuard} every request passes,
 * and how exceptions become answers. The routes live with their resource: {@link ServiceRoutes},
 * {@link JobRoutes} (which reads jobs to enqueue with {@link EnqueueRequests}), {@link QueueRoutes}
 * and {@link WorkerProtocolRoutes}.
 */
public final class ApiServer implements AutoCloseable {
  /** The most jobs one enqueue request may carry. */
  public static final int MAX_BATCH = 1_000;

  /** The longest lease a worker may ask for. */
  public static final long MAX_LEASE_SECONDS = 24 * 3600;

  /**
   * How long a request may pause while sending its headers or body before it is answered 408: long
   * enough for a slow client, short enough that a stalled one does not hold its connection.
   */
  public static final Duration IDLE_TIMEOUT = Duration.ofSeconds(30);

  private static final Logger log = LoggerFactory.getLogger(ApiServer.class);

  private final ServerOptions options;
  private final List<Route> routes = new ArrayList<>();
  private final Javalin app;
  private final Dashboard dashboard;

  /** One route of the API, for the server and for the check that the OpenAPI file covers it. */
  record Route(HandlerType method, String path, Handler handler) {}

  /** Where a resource's routes add themselves. */
  interface Routes {
    void add(HandlerType method, String path, Handler handler);
  }

  public ApiServer(Errand errand, ServerOptions options) {
    this(errand, options, IDLE_TIMEOUT);
  }

  ApiServer(Errand errand, ServerOptions options, Duration idleTimeout) {
    this.options = options;
    Dashboard dashboard =
        new Dashboard(errand, options.token(), options.readOnlyToken(), options.dashboardPath());
    this.dashboard = dashboard;
    RequestGuard guard = new RequestGuard(options, dashboard);
    Routes add = (method, path, handler) -> routes.add(new Route(method, path, handler));
    new ServiceRoutes(errand, this::routeNames, dashboard.home()).addTo(add);
    new JobRoutes(errand, EnqueueRequests.forServer(errand, options)).addTo(add);
    new QueueRoutes(errand, options).addTo(add);
    new WorkerProtocolRoutes(errand, options).addTo(add);
    // The dashboard's pages are no part of the API: not in its route list, nor in openapi.yaml.
    List<Route> pages = new ArrayList<>();
    dashboard.addTo((method, path, handler) -> pages.add(new Route(method, path, handler)));
    this.app =
        Javalin.create(
            config -> {
              config.concurrency.useVirtualThreads = true;
              config.startup.showJavalinBanner = false;
              config.http.maxRequestSize = options.maxBodyBytes();
              config.http.prefer405over404 = true;
              // Errors Jetty answers before the API sees the request come back as JSON too.
              config.jetty.modifyServer(server -> server.setErrorHandler(new JsonErrorHandler()));
              config.jetty.modifyHttpConfiguration(
                  http -> http.setIdleTimeout(idleTimeout.toMillis()));
              config.routes.before(guard::check);
              for (Route route : routes) {
                config.routes.addHttpHandler(route.method(), route.path(), route.handler());
              }
              for (Route page : pages) {
                config.routes.addHttpHandler(page.method(), page.path(), page.handler());
              }
              config.routes.exception(
                  ApiError.class, (e, ctx) -> error(ctx, e.status, e.field, e.getMessage()));
              config.routes.exception(
                  RequestGuard.LoginRequired.class,
                  (e, ctx) -> ctx.status(303).header("Location", dashboard.loginPath()));
              config.routes.exception(
                  HttpResponseException.class,
                  (e, ctx) -> {
                    if (e.getStatus() == 405) {
                      String allowed = String.join(", ", allowedMethods(ctx.path()));
                      ctx.header("Allow", allowed);
                      error(
                          ctx,
                          405,
                          null,
                          "method "
                              + ctx.method()
                              + " is not allowed on "
                              + ctx.path()
                              + "; allowed: "
                              + allowed);
                    } else {
                      error(ctx, e.getStatus(), null, httpMessage(e));
                    }
                  });
              config.routes.exception(
                  JobArgsException.class, (e, ctx) -> error(ctx, 400, "args", e.getMessage()));
              config.routes.exception(
                  IllegalArgumentException.class,
                  (e, ctx) -> error(ctx, 400, null, e.getMessage()));
              config.routes.exception(
                  StoreException.class,
                  (e, ctx) -> {
                    // The store's own words (SQL, addresses) stay in the log: the client learns
                    // only that it may try again. No stack trace: an outage fails every request.
                    log.warn(
                        "store call failed for {} {}: {}", ctx.method(), ctx.path(), causes(e));
                    error(ctx, 503, null, "the store is unavailable; try again later");
                  });
              config.routes.exception(
                  Exception.class,
                  (e, ctx) -> {
                    log.error("{} {} failed", ctx.method(), ctx.path(), e);
                    error(ctx, 500, null, "internal error: " + e.getClass().getSimpleName());
                  });
              config.routes.error(
                  404,
                  ctx -> {
                    if (ctx.result() == null || ctx.result().isEmpty()) {
                      error(ctx, 404, null, "no route " + ctx.method() + " " + ctx.path());
                    }
                  });
              // Javalin answers a body that stopped arriving with a bare status.
              config.routes.error(
                  408,
                  ctx ->
                      error(
                          ctx,
                          408,
                          null,
                          "the request body did not arrive within "
                              + idleTimeout.toSeconds()
                              + " s of silence"));
            });
  }

  /** Starts listening; see {@link #port()} when the port was 0. */
  public ApiServer start() {
    app.start(options.host(), options.port());
    log.info("errand server listening on http://{}:{}", options.host(), app.port());
    return this;
  }

  /** The port it listens on. */
  public int port() {
    return app.port();
  }

  /** Stops listening. The {@link Errand} is the caller's to close. */
  @Override
  public void close() {
    app.stop();
    dashboard.close();
  }

  /** "METHOD /path" of every route, for the OpenAPI check. */
  List<String> routeNames() {
    return routes.stream().map(r -> r.method().name() + " " + r.path()).toList();
  }

  private static void error(Context ctx, int status, String field, String message) {
    ObjectNode body = Body.MAPPER.createObjectNode();
    body.put("error", message);
    if (field != null) {
      body.put("field", field);
    }
    Exchanges.json(ctx, status, body);
  }

  private String httpMessage(HttpResponseException e) {
    if (e.getStatus() == 413) {
      return "the request body is larger than the limit of " + options.maxBodyBytes() + " bytes";
    }
    return e.getMessage();
  }

  /** The methods of the routes whose path template matches {@code path}. */
  private Set<String> allowedMethods(String path) {
    Set<String> methods = new TreeSet<>();
    for (Route route : routes) {
      String pattern = route.path().replaceAll("\\{[^/]+}", "[^/]+");
      if (path.matches(pattern)) {
        methods.add(route.method().name());
      }
    }
    return methods;
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
