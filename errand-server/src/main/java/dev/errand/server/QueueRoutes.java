package dev.errand.server;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.errand.Config;
import dev.errand.Errand;
import dev.errand.QueueInfo;
import io.javalin.http.Context;
import io.javalin.http.HandlerType;
import java.util.Map;
import java.util.TreeMap;

/**
 * The queues under {@code /api/queues}: those the store knows and those this server accepts, each
 * with its counts per state; pause and resume.
 */
final class QueueRoutes {
  private final Errand errand;
  private final ServerOptions options;

  QueueRoutes(Errand errand, ServerOptions options) {
    this.errand = errand;
    this.options = options;
  }

  void addTo(ApiServer.Routes routes) {
    routes.add(HandlerType.GET, "/api/queues", this::list);
    routes.add(
        HandlerType.GET,
        "/api/queues/{name}",
        ctx -> Exchanges.json(ctx, 200, JobJson.queue(queue(ctx))));
    routes.add(HandlerType.POST, "/api/queues/{name}/pause", ctx -> pauseOrResume(ctx, true));
    routes.add(HandlerType.POST, "/api/queues/{name}/resume", ctx -> pauseOrResume(ctx, false));
  }

  /**
   * The queues; with {@code exactUpTo=N}, counts that read at most about N jobs per state, past
   * which a store may estimate ({@link dev.errand.Queues#list(long)}): for a client that polls a
   * big store.
   */
  private void list(Context ctx) {
    String bound = ctx.queryParam("exactUpTo");
    Long exactUpTo = bound == null ? null : Exchanges.number("exactUpTo", bound, 1, Long.MAX_VALUE);
    ObjectNode result = Body.MAPPER.createObjectNode();
    ArrayNode array = result.putArray("queues");
    queues(exactUpTo).values().forEach(q -> array.add(JobJson.queue(q)));
    Exchanges.json(ctx, 200, result);
  }

  private void pauseOrResume(Context ctx, boolean pause) {
    String name = queue(ctx).name();
    Exchanges.noBody(ctx);
    if (pause) {
      errand.queues().pause(name);
    } else {
      errand.queues().resume(name);
    }
    // A queue the store has no jobs for is not listed once resumed: it is simply not paused.
    Exchanges.json(
        ctx, 200, JobJson.queue(queues().getOrDefault(name, new QueueInfo(name, false, Map.of()))));
  }

  /** The queues the store knows, and those this server accepts, by name; counts exact. */
  private Map<String, QueueInfo> queues() {
    return queues(null);
  }

  /** As {@link #queues()}, counted exactly up to {@code exactUpTo} if not null. */
  private Map<String, QueueInfo> queues(Long exactUpTo) {
    Map<String, QueueInfo> byName = new TreeMap<>();
    for (String name : options.queues()) {
      if (!name.equals(ServerOptions.ANY_QUEUE)) {
        byName.put(name, new QueueInfo(name, false, Map.of()));
      }
    }
    (exactUpTo == null ? errand.queues().list() : errand.queues().list(exactUpTo))
        .forEach(q -> byName.put(q.name(), q));
    return byName;
  }

  private QueueInfo queue(Context ctx) {
    String name = ctx.pathParam("name");
    ApiError.check("name", () -> Config.checkQueueName(name));
    QueueInfo queue = queues().get(name);
    if (queue == null) {
      if (options.acceptsQueue(name)) {
        return new QueueInfo(name, false, Map.of());
      }
      throw ApiError.notFound("name", "unknown queue '" + name + "'");
    }
    return queue;
  }
}
