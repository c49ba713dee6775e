package dev.errand.server;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.errand.Errand;
import dev.errand.JobQuery;
import dev.errand.StoreException;
import io.javalin.http.Context;
import io.javalin.http.HandlerType;
import java.io.IOException;
import java.io.InputStream;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The routes about the service rather than its jobs: {@code /} (where to start), {@code /health}
 * (the process answers), {@code /ready} (the store answers too) and {@code /openapi.yaml}.
 */
final class ServiceRoutes {
  private static final Logger log = LoggerFactory.getLogger(ServiceRoutes.class);

  private final Errand errand;
  private final Supplier<List<String>> routeNames;
  private final String dashboardHome;

  /**
   * {@code routeNames}: "METHOD /path" of every route of the server, for the index; {@code
   * dashboardHome}: where a browser asking for the root is sent.
   */
  ServiceRoutes(Errand errand, Supplier<List<String>> routeNames, String dashboardHome) {
    this.errand = errand;
    this.routeNames = routeNames;
    this.dashboardHome = dashboardHome;
  }

  void addTo(ApiServer.Routes routes) {
    routes.add(HandlerType.GET, "/", this::index);
    routes.add(
        HandlerType.GET,
        "/health",
        ctx -> Exchanges.json(ctx, 200, JobJson.object(Map.of("status", "ok"))));
    routes.add(HandlerType.GET, "/ready", this::ready);
    routes.add(HandlerType.GET, "/openapi.yaml", this::openApi);
  }

  private void ready(Context ctx) {
    try {
      errand.jobs().list(JobQuery.all().withLimit(1));
      Exchanges.json(ctx, 200, JobJson.object(Map.of("status", "ready")));
    } catch (StoreException e) {
      log.warn("readiness check failed: {}", ErrorAnswers.causes(e));
      Exchanges.json(
          ctx,
          503,
          JobJson.object(
              Map.of("status", "unavailable", "error", "the store is unavailable; see the log")));
    }
  }

  /**
   * A browser's request goes to the dashboard; any other gets where the API is described, and its
   * routes.
   */
  private void index(Context ctx) {
    if (Dashboard.wantsPage(ctx)) {
      ctx.status(303).header("Location", dashboardHome);
      return;
    }
    ObjectNode result = Body.MAPPER.createObjectNode();
    result.put("service", "errand");
    result.put("openapi", "/openapi.yaml");
    result.put(
        "docs",
        "the README's 'HTTP API' section, and /openapi.yaml for every route, field and answer");
    ArrayNode names = result.putArray("routes");
    new TreeSet<>(routeNames.get()).forEach(names::add);
    Exchanges.json(ctx, 200, result);
  }

  private void openApi(Context ctx) throws IOException {
    try (InputStream in = ApiServer.class.getResourceAsStream("openapi.yaml")) {
      ctx.status(200).contentType("application/yaml").result(in.readAllBytes());
    }
  }
}
