package dev.errand.server;

import dev.errand.Errand;
import io.javalin.Javalin;
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
    RequestGuard guard = RequestGuard.forServer(options, dashboard);
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
                  HttpResponseException.class,
                  (e, ctx) -> {
                    if (e.getStatus() == 405) {
                      String allowed = String.join(", ", allowedMethods(ctx.path()));
                      ctx.header("Allow", allowed);
                      ErrorAnswers.error(
                          ctx,
                          405,
                          null,
                          "method "
                              + ctx.method()
                              + " is not allowed on "
                              + ctx.path()
                              + "; allowed: "
                              + allowed);
                    } else if (e.getStatus() == 413) {
                      ErrorAnswers.error(
                          ctx,
                          413,
                          null,
                          "the request body is larger than the limit of "
                              + options.maxBodyBytes()
                              + " bytes");
                    } else {
                      ErrorAnswers.answer(e, ctx);
                    }
                  });
              config.routes.exception(Exception.class, ErrorAnswers::answer);
              config.routes.error(
                  404,
                  ctx -> {
                    if (ctx.result() == null || ctx.result().isEmpty()) {
                      ErrorAnswers.error(
                          ctx, 404, null, "no route " + ctx.method() + " " + ctx.path());
                    }
                  });
              // Javalin answers a body that stopped arriving with a bare status.
              config.routes.error(
                  408,
                  ctx ->
                      ErrorAnswers.error(
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
}
