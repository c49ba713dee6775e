package dev.errand.server;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.errand.AttemptRef;
import dev.errand.Batch;
import dev.errand.BatchEnqueued;
import dev.errand.Config;
import dev.errand.DependencyFailure;
import dev.errand.DuplicateJobException;
import dev.errand.EnqueueOptions;
import dev.errand.EnqueueRequest;
import dev.errand.Enqueued;
import dev.errand.Errand;
import dev.errand.JobArgsException;
import dev.errand.JobInfo;
import dev.errand.JobPage;
import dev.errand.JobQuery;
import dev.errand.JobState;
import dev.errand.QueueInfo;
import dev.errand.RawArgs;
import dev.errand.StoreException;
import dev.errand.UniqueOptions;
import dev.errand.UnknownDependencyException;
import io.javalin.Javalin;
import io.javalin.http.Context;
import io.javalin.http.Handler;
import io.javalin.http.HandlerType;
import io.javalin.http.HttpResponseException;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.EnumSet;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The HTTP API of one {@link Errand}: jobs and queues under {@code /api}, the worker protocol under
 * {@code /api/worker}, {@code /health}, {@code /ready} and {@code /openapi.yaml}. Built only on the
 * public API. Requests run on virtual threads; every refusal is a JSON {@code {"error", "field"}}
 * with a 4xx status, and a refused request changes nothing.
 */
public final class ApiServer implements AutoCloseable {
  /** The most jobs one enqueue request may carry. */
  public static final int MAX_BATCH = 1_000;

  /** The longest lease a worker may ask for. */
  public static final long MAX_LEASE_SECONDS = 24 * 3600;

  private static final Logger log = LoggerFactory.getLogger(ApiServer.class);
  private static final Set<String> JOB_FIELDS =
      Set.of(
          "kind",
          "args",
          "queue",
          "priority",
          "runAt",
          "runIn",
          "maxAttempts",
          "tags",
          "metadata",
          "unique",
          "dependsOn",
          "ifDependencyFails");
  private static final Set<String> UNIQUE_FIELDS = Set.of("args", "queue", "period", "states");
  private static final Set<String> LIST_PARAMS =
      Set.of("state", "queue", "kind", "limit", "cursor");
  private static final String JSON = "application/json";

  private final Errand errand;
  private final ServerOptions options;
  private final List<Route> routes = new ArrayList<>();
  private final Javalin app;

  /** One route of the API, for the server and for the check that the OpenAPI file covers it. */
  record Route(HandlerType method, String path, Handler handler) {}

  /**
   * How long a request may pause while sending its headers or body before it is answered 408: long
   * enough for a slow client, short enough that a stalled one does not hold its connection.
   */
  public static final Duration IDLE_TIMEOUT = Duration.ofSeconds(30);

  public ApiServer(Errand errand, ServerOptions options) {
    this(errand, options, IDLE_TIMEOUT);
  }

  ApiServer(Errand errand, ServerOptions options, Duration idleTimeout) {
    this.errand = errand;
    this.options = options;
    RequestGuard guard = new RequestGuard(options);
    defineRoutes();
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
              config.routes.exception(
                  ApiError.class, (e, ctx) -> error(ctx, e.status, e.field, e.getMessage()));
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
  }

  /** "METHOD /path" of every route, for the OpenAPI check. */
  List<String> routeNames() {
    return routes.stream().map(r -> r.method().name() + " " + r.path()).toList();
  }

  private void defineRoutes() {
    route(HandlerType.GET, "/", this::index);
    route(
        HandlerType.GET, "/health", ctx -> json(ctx, 200, JobJson.object(Map.of("status", "ok"))));
    route(HandlerType.GET, "/ready", this::ready);
    route(HandlerType.GET, "/openapi.yaml", this::openApi);
    route(HandlerType.POST, "/api/jobs", this::enqueue);
    route(HandlerType.POST, "/api/batches", this::enqueueBatch);
    route(HandlerType.GET, "/api/jobs", this::listJobs);
    route(HandlerType.GET, "/api/jobs/{id}", ctx -> json(ctx, 200, JobJson.job(job(ctx))));
    route(HandlerType.DELETE, "/api/jobs/{id}", this::deleteJob);
    route(HandlerType.POST, "/api/jobs/{id}/cancel", this::cancelJob);
    route(HandlerType.POST, "/api/jobs/{id}/retry", this::retryJob);
    route(HandlerType.GET, "/api/queues", this::listQueues);
    route(HandlerType.GET, "/api/queues/{name}", ctx -> json(ctx, 200, JobJson.queue(queue(ctx))));
    route(HandlerType.POST, "/api/queues/{name}/pause", ctx -> pauseOrResume(ctx, true));
    route(HandlerType.POST, "/api/queues/{name}/resume", ctx -> pauseOrResume(ctx, false));
    route(HandlerType.POST, "/api/worker/fetch", this::fetch);
    route(HandlerType.POST, "/api/worker/heartbeat", this::heartbeat);
    route(HandlerType.POST, "/api/worker/jobs/{id}/complete", this::complete);
    route(HandlerType.POST, "/api/worker/jobs/{id}/fail", this::fail);
    route(HandlerType.POST, "/api/worker/jobs/{id}/snooze", this::snooze);
    route(HandlerType.POST, "/api/worker/jobs/{id}/discard", this::discard);
  }

  private void route(HandlerType method, String path, Handler handler) {
    routes.add(new Route(method, path, handler));
  }

  // ---- health ----

  private void ready(Context ctx) {
    try {
      errand.jobs().list(JobQuery.all().withLimit(1));
      json(ctx, 200, JobJson.object(Map.of("status", "ready")));
    } catch (StoreException e) {
      log.warn("readiness check failed: {}", causes(e));
      json(
          ctx,
          503,
          JobJson.object(
              Map.of("status", "unavailable", "error", "the store is unavailable; see the log")));
    }
  }

  /** Until the dashboard lives at {@code /}: where the API is described, and its routes. */
  private void index(Context ctx) {
    ObjectNode result = Body.MAPPER.createObjectNode();
    result.put("service", "errand");
    result.put("openapi", "/openapi.yaml");
    result.put(
        "docs",
        "the README's 'HTTP API' section, and /openapi.yaml for every route, field and answer");
    ArrayNode names = result.putArray("routes");
    new TreeSet<>(routeNames()).forEach(names::add);
    json(ctx, 200, result);
  }

  private void openApi(Context ctx) throws IOException {
    try (InputStream in = ApiServer.class.getResourceAsStream("openapi.yaml")) {
      ctx.status(200).contentType("application/yaml").result(in.readAllBytes());
    }
  }

  // ---- jobs ----

  private void enqueue(Context ctx) {
    JsonNode root = Body.read(ctx.bodyAsBytes());
    if (root.has("jobs")) {
      Body body = Body.of(root, "", "the request body", Set.of("jobs"));
      Requests jobs = jobs(body);
      List<Enqueued> enqueued = storing(jobs, () -> errand.enqueueMany(jobs.requests()));
      ObjectNode result = Body.MAPPER.createObjectNode();
      ArrayNode array = result.putArray("jobs");
      enqueued.forEach(e -> array.add(JobJson.enqueued(e)));
      json(ctx, created(enqueued), result);
    } else {
      Requests job =
          new Requests(
              List.of(request(Body.of(root, "", "the request body", JOB_FIELDS))), List.of(""));
      List<Enqueued> enqueued = storing(job, () -> errand.enqueueMany(job.requests()));
      json(ctx, created(enqueued), JobJson.enqueued(enqueued.get(0)));
    }
  }

  private void enqueueBatch(Context ctx) {
    Body body = Body.parse(ctx.bodyAsBytes(), Set.of("jobs", "onFinish"));
    Requests members = jobs(body);
    Body onFinish = Body.of(body.required("onFinish"), "onFinish.", "onFinish", JOB_FIELDS);
    for (String field : List.of("dependsOn", "ifDependencyFails", "unique")) {
      if (onFinish.has(field)) {
        throw ApiError.badRequest(
            onFinish.path(field),
            onFinish.path(field)
                + ": the callback waits on the batch's jobs and runs however they end;"
                + " it takes no "
                + field
                + " of its own");
      }
    }
    EnqueueRequest callback = request(onFinish);
    List<EnqueueRequest> all = new ArrayList<>(members.requests());
    all.add(callback);
    List<String> prefixes = new ArrayList<>(members.prefixes());
    prefixes.add("onFinish.");
    BatchEnqueued enqueued =
        storing(
            new Requests(all, prefixes),
            () -> {
              Batch batch = errand.batch();
              members.requests().forEach(r -> batch.add(r.args(), r.options()));
              return batch.onFinish(callback.args(), callback.options()).enqueue();
            });
    ObjectNode result = Body.MAPPER.createObjectNode();
    ArrayNode array = result.putArray("jobs");
    enqueued.members().forEach(e -> array.add(JobJson.enqueued(e)));
    result.set("onFinish", JobJson.enqueued(enqueued.callback()));
    json(ctx, 201, result);
  }

  /** Jobs to enqueue together, each with the path of its fields in the request ("jobs[2]."). */
  private record Requests(List<EnqueueRequest> requests, List<String> prefixes) {}

  /** The {@code jobs} array of {@code body}. */
  private Requests jobs(Body body) {
    List<JsonNode> items = body.array("jobs");
    if (items.isEmpty() || items.size() > MAX_BATCH) {
      throw ApiError.badRequest(
          "jobs", "jobs must hold 1 to " + MAX_BATCH + " jobs, had " + items.size());
    }
    List<EnqueueRequest> requests = new ArrayList<>();
    List<String> prefixes = new ArrayList<>();
    for (int i = 0; i < items.size(); i++) {
      String prefix = "jobs[" + i + "].";
      requests.add(request(Body.of(items.get(i), prefix, "jobs[" + i + "]", JOB_FIELDS)));
      prefixes.add(prefix);
    }
    return new Requests(requests, prefixes);
  }

  /**
   * Stores {@code jobs} through {@code store}, turning core's refusals into a 400 naming the field
   * at fault: a dependency on a job that does not exist, or a feature the store lacks. Core refuses
   * both before it stores anything.
   */
  private static <T> T storing(Requests jobs, java.util.function.Supplier<T> store) {
    try {
      return store.get();
    } catch (UnknownDependencyException e) {
      String field = null;
      for (int i = 0; i < jobs.requests().size() && field == null; i++) {
        int at = jobs.requests().get(i).options().dependsOn().indexOf(e.dependencyId());
        if (at >= 0) {
          field = jobs.prefixes().get(i) + "dependsOn[" + at + "]";
        }
      }
      throw refusal(field, e);
    } catch (UnsupportedOperationException e) {
      // Core names the capability the store lacks; name the first job that needs it.
      boolean unique = String.valueOf(e.getMessage()).contains("UNIQUE_JOBS");
      String field = null;
      for (int i = 0; i < jobs.requests().size() && field == null; i++) {
        EnqueueOptions options = jobs.requests().get(i).options();
        if (unique ? options.unique() != null : !options.dependsOn().isEmpty()) {
          field = jobs.prefixes().get(i) + (unique ? "unique" : "dependsOn");
        }
      }
      throw refusal(field, e);
    }
  }

  private static ApiError refusal(String field, RuntimeException e) {
    return ApiError.badRequest(
        field, field == null ? e.getMessage() : field + ": " + e.getMessage());
  }

  /** 201 when a job was stored, 200 when every one was a duplicate of an existing job. */
  private static int created(List<Enqueued> enqueued) {
    return enqueued.stream().allMatch(Enqueued::duplicate) ? 200 : 201;
  }

  private EnqueueRequest request(Body body) {
    String kind = body.requiredString("kind");
    checkName(body.path("kind"), () -> Config.checkKind(kind));
    JsonNode args = body.get("args");
    if (args == null) {
      args = Body.MAPPER.createObjectNode();
    } else if (!args.isObject()) {
      throw ApiError.badRequest(
          body.path("args"),
          body.path("args") + " must be a JSON object, was " + Body.describe(args));
    }
    String json;
    try {
      json = Body.MAPPER.writeValueAsString(args);
    } catch (JsonProcessingException e) {
      throw new UncheckedIOException(e);
    }
    int size = json.getBytes(StandardCharsets.UTF_8).length;
    int limit = errand.config().maxArgsBytes();
    if (size > limit) {
      throw new ApiError(
          413,
          body.path("args"),
          body.path("args")
              + " are "
              + size
              + " bytes of JSON, more than the limit of "
              + limit
              + " bytes; keep large data elsewhere and pass its id");
    }
    EnqueueOptions options = EnqueueOptions.defaults();
    Optional<String> queue = body.string("queue");
    if (queue.isPresent()) {
      options = withOption(body.path("queue"), options, o -> o.queue(queue.get()));
      checkAccepted(body.path("queue"), queue.get());
    } else {
      checkAccepted(body.path("queue"), Config.DEFAULT_QUEUE);
    }
    Optional<Long> priority =
        body.integer("priority", EnqueueOptions.MIN_PRIORITY, EnqueueOptions.MAX_PRIORITY);
    if (priority.isPresent()) {
      options = options.priority(priority.get().intValue());
    }
    if (body.has("runAt") && body.has("runIn")) {
      throw ApiError.badRequest(
          body.path("runIn"),
          "give " + body.path("runAt") + " or " + body.path("runIn") + ", not both");
    }
    Optional<String> runAt = body.string("runAt");
    if (runAt.isPresent()) {
      Instant at;
      try {
        at = Instant.parse(runAt.get());
      } catch (DateTimeParseException e) {
        throw ApiError.badRequest(
            body.path("runAt"),
            body.path("runAt")
                + " must be an ISO-8601 instant such as 2030-01-31T09:00:00Z, was '"
                + runAt.get()
                + "'");
      }
      options = withOption(body.path("runAt"), options, o -> o.runAt(at));
    }
    Optional<Duration> runIn = duration(body, "runIn", "PT30S or PT5M");
    if (runIn.isPresent()) {
      options = withOption(body.path("runIn"), options, o -> o.runIn(runIn.get()));
    }
    Optional<Long> maxAttempts = body.integer("maxAttempts", 1, Config.MAX_ATTEMPTS_LIMIT);
    if (maxAttempts.isPresent()) {
      options = options.maxAttempts(maxAttempts.get().intValue());
    }
    Optional<List<String>> tags = body.strings("tags", EnqueueOptions.MAX_TAGS);
    if (tags.isPresent()) {
      options =
          withOption(body.path("tags"), options, o -> o.tags(tags.get().toArray(String[]::new)));
    }
    Optional<Map<String, String>> metadata = body.stringMap("metadata");
    if (metadata.isPresent()) {
      options = withOption(body.path("metadata"), options, o -> o.metadata(metadata.get()));
    }
    if (body.has("unique")) {
      options = options.unique(unique(body));
    }
    Optional<List<Long>> dependsOn =
        body.longs("dependsOn", EnqueueOptions.MAX_DEPENDENCIES, 1, Long.MAX_VALUE);
    if (dependsOn.isPresent()) {
      long[] ids = dependsOn.get().stream().mapToLong(Long::longValue).toArray();
      options = withOption(body.path("dependsOn"), options, o -> o.dependsOn(ids));
    }
    if (dependsOn.isPresent() && body.has("unique")) {
      throw ApiError.badRequest(
          body.path("dependsOn"),
          "give "
              + body.path("unique")
              + " or "
              + body.path("dependsOn")
              + ", not both: a job that waits on others cannot be unique");
    }
    Optional<String> ifFails = body.string("ifDependencyFails");
    if (ifFails.isPresent()) {
      if (dependsOn.isEmpty()) {
        throw ApiError.badRequest(
            body.path("ifDependencyFails"),
            body.path("ifDependencyFails") + " needs " + body.path("dependsOn"));
      }
      options = options.ifDependencyFails(dependencyFailure(body, ifFails.get()));
    }
    return new EnqueueRequest(new RawArgs(kind, json), options);
  }

  /**
   * The {@code unique} object of a job: always by kind, and by whatever else it names. Its states
   * are checked here rather than left to {@link UniqueOptions#byStates}, so that the message names
   * states as the API spells them.
   */
  private static UniqueOptions unique(Body job) {
    String path = job.path("unique");
    Body body = Body.of(job.get("unique"), path + ".", path, UNIQUE_FIELDS);
    UniqueOptions unique = UniqueOptions.byKind();
    JsonNode args = body.get("args");
    if (args != null && args.isArray()) {
      List<String> fields = body.strings("args", 100).orElseThrow();
      if (fields.isEmpty()) {
        throw ApiError.badRequest(
            body.path("args"),
            body.path("args") + " must name at least one field; give true to count the whole args");
      }
      for (int i = 0; i < fields.size(); i++) {
        if (fields.get(i).isBlank()) {
          String at = body.path("args") + "[" + i + "]";
          throw ApiError.badRequest(at, at + " must not be blank");
        }
      }
      unique = unique.byArgs(fields.toArray(String[]::new));
    } else if (args != null && !args.isBoolean()) {
      throw ApiError.badRequest(
          body.path("args"),
          body.path("args")
              + " must be true, false or an array of field names, was "
              + Body.describe(args));
    } else if (body.bool("args").orElse(false)) {
      unique = unique.byArgs();
    }
    if (body.bool("queue").orElse(false)) {
      unique = unique.byQueue();
    }
    Optional<Duration> period = duration(body, "period", "PT1H or P1D");
    if (period.isPresent()) {
      UniqueOptions u = unique;
      unique = checked(body.path("period"), () -> u.byPeriod(period.get()));
    }
    Optional<List<String>> names = body.strings("states", JobState.values().length * 2);
    if (names.isPresent()) {
      EnumSet<JobState> states = EnumSet.noneOf(JobState.class);
      for (int i = 0; i < names.get().size(); i++) {
        states.add(state(body.path("states") + "[" + i + "]", names.get().get(i)));
      }
      EnumSet<JobState> missing = EnumSet.copyOf(UniqueOptions.REQUIRED_STATES);
      missing.removeAll(states);
      if (!missing.isEmpty()) {
        throw ApiError.badRequest(
            body.path("states"),
            body.path("states")
                + " must include "
                + states(UniqueOptions.REQUIRED_STATES)
                + " (a duplicate of a waiting or running job would run twice); missing "
                + states(missing));
      }
      unique = unique.byStates(states.toArray(JobState[]::new));
    }
    return unique;
  }

  private static DependencyFailure dependencyFailure(Body body, String text) {
    for (DependencyFailure policy : DependencyFailure.values()) {
      if (policy.name().toLowerCase(Locale.ROOT).equals(text)) {
        return policy;
      }
    }
    throw ApiError.badRequest(
        body.path("ifDependencyFails"),
        body.path("ifDependencyFails") + " must be 'cancel' or 'run', was '" + text + "'");
  }

  private static String states(Set<JobState> states) {
    return String.join(", ", states.stream().map(JobJson::state).toList());
  }

  private static Optional<Duration> duration(Body body, String name, String examples) {
    Optional<String> text = body.string(name);
    if (text.isEmpty()) {
      return Optional.empty();
    }
    try {
      return Optional.of(Duration.parse(text.get()));
    } catch (DateTimeParseException e) {
      throw ApiError.badRequest(
          body.path(name),
          body.path(name)
              + " must be an ISO-8601 duration such as "
              + examples
              + ", was '"
              + text.get()
              + "'");
    }
  }

  private void listJobs(Context ctx) {
    for (String name : ctx.queryParamMap().keySet()) {
      if (!LIST_PARAMS.contains(name)) {
        throw ApiError.badRequest(
            name,
            "unknown query parameter '"
                + name
                + "'; allowed: "
                + String.join(", ", new TreeSet<>(LIST_PARAMS)));
      }
    }
    JobQuery query = JobQuery.all();
    String states = ctx.queryParam("state");
    if (states != null) {
      Set<JobState> parsed = EnumSet.noneOf(JobState.class);
      for (String state : states.split(",")) {
        parsed.add(state("state", state.trim()));
      }
      query = query.withStates(parsed.toArray(JobState[]::new));
    }
    String queue = ctx.queryParam("queue");
    if (queue != null) {
      checkName("queue", () -> Config.checkQueueName(queue));
      query = query.withQueue(queue);
    }
    String kind = ctx.queryParam("kind");
    if (kind != null) {
      checkName("kind", () -> Config.checkKind(kind));
      query = query.withKind(kind);
    }
    String limit = ctx.queryParam("limit");
    if (limit != null) {
      query = query.withLimit((int) number("limit", limit, 1, JobQuery.MAX_LIMIT));
    }
    String cursor = ctx.queryParam("cursor");
    if (cursor != null) {
      query = query.withAfterId(number("cursor", cursor, 0, Long.MAX_VALUE));
    }
    JobPage page = errand.jobs().list(query);
    ObjectNode result = Body.MAPPER.createObjectNode();
    ArrayNode jobs = result.putArray("jobs");
    page.jobs().forEach(j -> jobs.add(JobJson.job(j)));
    if (page.hasNext()) {
      result.put("nextCursor", page.nextAfterId());
    } else {
      result.putNull("nextCursor");
    }
    json(ctx, 200, result);
  }

  private void deleteJob(Context ctx) {
    long id = id(ctx);
    noBody(ctx);
    if (errand.jobs().delete(id)) {
      ctx.status(204);
      return;
    }
    if (errand.jobs().get(id).isPresent()) {
      throw ApiError.conflict("id", "job " + id + " is running; cancel it first");
    }
    throw ApiError.notFound("id", "no job " + id);
  }

  private void cancelJob(Context ctx) {
    long id = id(ctx);
    noBody(ctx);
    JobInfo job =
        errand.jobs().cancel(id).orElseThrow(() -> ApiError.notFound("id", "no job " + id));
    json(ctx, 200, JobJson.job(job));
  }

  private void retryJob(Context ctx) {
    long id = id(ctx);
    noBody(ctx);
    JobInfo job;
    try {
      job = errand.jobs().retry(id).orElseThrow(() -> ApiError.notFound("id", "no job " + id));
    } catch (DuplicateJobException e) {
      throw ApiError.conflict(
          "id",
          "job "
              + id
              + " cannot be retried: unique job "
              + e.holderId()
              + " holds the same key; retry or cancel that one instead");
    }
    if (job.state() == JobState.RUNNING) {
      throw ApiError.conflict("id", "job " + id + " is running; it can be retried once it ends");
    }
    json(ctx, 200, JobJson.job(job));
  }

  private JobInfo job(Context ctx) {
    long id = id(ctx);
    return errand.jobs().get(id).orElseThrow(() -> ApiError.notFound("id", "no job " + id));
  }

  // ---- queues ----

  private void listQueues(Context ctx) {
    ObjectNode result = Body.MAPPER.createObjectNode();
    ArrayNode array = result.putArray("queues");
    queues().values().forEach(q -> array.add(JobJson.queue(q)));
    json(ctx, 200, result);
  }

  private void pauseOrResume(Context ctx, boolean pause) {
    String name = queue(ctx).name();
    noBody(ctx);
    if (pause) {
      errand.queues().pause(name);
    } else {
      errand.queues().resume(name);
    }
    // A queue the store has no jobs for is not listed once resumed: it is simply not paused.
    json(
        ctx, 200, JobJson.queue(queues().getOrDefault(name, new QueueInfo(name, false, Map.of()))));
  }

  /** The queues the store knows, and those this server accepts, by name. */
  private Map<String, QueueInfo> queues() {
    Map<String, QueueInfo> byName = new TreeMap<>();
    for (String name : options.queues()) {
      if (!name.equals(ServerOptions.ANY_QUEUE)) {
        byName.put(name, new QueueInfo(name, false, Map.of()));
      }
    }
    errand.queues().list().forEach(q -> byName.put(q.name(), q));
    return byName;
  }

  private QueueInfo queue(Context ctx) {
    String name = ctx.pathParam("name");
    checkName("name", () -> Config.checkQueueName(name));
    QueueInfo queue = queues().get(name);
    if (queue == null) {
      if (options.acceptsQueue(name)) {
        return new QueueInfo(name, false, Map.of());
      }
      throw ApiError.notFound("name", "unknown queue '" + name + "'");
    }
    return queue;
  }

  // ---- worker protocol ----

  private void fetch(Context ctx) {
    Body body =
        Body.parse(ctx.bodyAsBytes(), Set.of("worker", "queues", "kinds", "limit", "leaseSeconds"));
    String worker = worker(body);
    List<String> queues = body.strings("queues", 100).orElse(List.of(Config.DEFAULT_QUEUE));
    if (queues.isEmpty()) {
      throw ApiError.badRequest("queues", "queues must name at least one queue");
    }
    for (int i = 0; i < queues.size(); i++) {
      String queue = queues.get(i);
      String field = "queues[" + i + "]";
      checkName(field, () -> Config.checkQueueName(queue));
      checkAccepted(field, queue);
    }
    List<String> kinds = body.strings("kinds", 1_000).orElse(List.of());
    for (int i = 0; i < kinds.size(); i++) {
      String kind = kinds.get(i);
      checkName("kinds[" + i + "]", () -> Config.checkKind(kind));
    }
    int limit = body.integer("limit", 1, errand.config().fetchBatchMax()).orElse(1L).intValue();
    Duration lease =
        Duration.ofSeconds(body.integer("leaseSeconds", 1, MAX_LEASE_SECONDS).orElse(30L));
    List<JobInfo> jobs =
        errand
            .leases()
            .fetch(new LinkedHashSet<>(queues), new HashSet<>(kinds), limit, worker, lease);
    ObjectNode result = Body.MAPPER.createObjectNode();
    ArrayNode array = result.putArray("jobs");
    jobs.forEach(j -> array.add(JobJson.job(j)));
    json(ctx, 200, result);
  }

  private void heartbeat(Context ctx) {
    Body body = Body.parse(ctx.bodyAsBytes(), Set.of("worker", "jobs", "leaseSeconds"));
    String worker = worker(body);
    List<JsonNode> items = body.array("jobs");
    List<AttemptRef> attempts = new ArrayList<>();
    for (int i = 0; i < items.size(); i++) {
      Body item =
          Body.of(items.get(i), "jobs[" + i + "].", "jobs[" + i + "]", Set.of("id", "attempt"));
      attempts.add(
          new AttemptRef(
              item.requiredLong("id", 1, Long.MAX_VALUE),
              (int) item.requiredLong("attempt", 1, Integer.MAX_VALUE)));
    }
    Duration lease =
        Duration.ofSeconds(body.integer("leaseSeconds", 1, MAX_LEASE_SECONDS).orElse(30L));
    Set<Long> lost = errand.leases().heartbeat(worker, attempts, lease);
    ObjectNode result = Body.MAPPER.createObjectNode();
    ArrayNode array = result.putArray("lost");
    new TreeSet<>(lost).forEach(array::add);
    json(ctx, 200, result);
  }

  private void complete(Context ctx) {
    long id = id(ctx);
    Body body = Body.parse(ctx.bodyAsBytes(), Set.of("attempt"));
    AttemptRef attempt = attempt(id, body);
    finish(ctx, attempt, errand.leases().complete(attempt));
  }

  private void fail(Context ctx) {
    long id = id(ctx);
    Body body = Body.parse(ctx.bodyAsBytes(), Set.of("attempt", "error", "retryInSeconds"));
    AttemptRef attempt = attempt(id, body);
    Body error =
        Body.of(
            body.required("error"), "error.", "error", Set.of("class", "message", "stackTrace"));
    String message = error.requiredString("message");
    String errorClass = error.string("class").orElse("error");
    if (errorClass.isBlank() || errorClass.length() > 256) {
      throw ApiError.badRequest("error.class", "error.class must be 1 to 256 characters");
    }
    String stackTrace = error.string("stackTrace").orElse("");
    Optional<Long> retryIn = body.integer("retryInSeconds", 0, 365L * 24 * 3600);
    finish(
        ctx,
        attempt,
        errand
            .leases()
            .fail(
                attempt,
                errorClass,
                message,
                stackTrace,
                retryIn.map(Duration::ofSeconds).orElse(null)));
  }

  private void snooze(Context ctx) {
    long id = id(ctx);
    Body body = Body.parse(ctx.bodyAsBytes(), Set.of("attempt", "delaySeconds"));
    AttemptRef attempt = attempt(id, body);
    long delay = body.requiredLong("delaySeconds", 0, 365L * 24 * 3600);
    finish(ctx, attempt, errand.leases().snooze(attempt, Duration.ofSeconds(delay)));
  }

  private void discard(Context ctx) {
    long id = id(ctx);
    Body body = Body.parse(ctx.bodyAsBytes(), Set.of("attempt", "reason"));
    AttemptRef attempt = attempt(id, body);
    String reason = body.requiredString("reason");
    finish(ctx, attempt, errand.leases().discard(attempt, reason));
  }

  private void finish(Context ctx, AttemptRef attempt, boolean applied) {
    Optional<JobInfo> job = errand.jobs().get(attempt.jobId());
    if (job.isEmpty()) {
      throw ApiError.notFound("id", "no job " + attempt.jobId());
    }
    if (!applied) {
      throw ApiError.conflict(
          "attempt",
          "job "
              + attempt.jobId()
              + " attempt "
              + attempt.attempt()
              + " no longer holds its lease (the job is "
              + JobJson.state(job.get().state())
              + " at attempt "
              + job.get().attempt()
              + "): its result was already recorded, its lease expired, or it was cancelled");
    }
    json(ctx, 200, JobJson.job(job.get()));
  }

  private static AttemptRef attempt(long id, Body body) {
    return new AttemptRef(id, (int) body.requiredLong("attempt", 1, Integer.MAX_VALUE));
  }

  private static String worker(Body body) {
    String worker = body.requiredString("worker");
    if (worker.isBlank() || worker.length() > 128) {
      throw ApiError.badRequest("worker", "worker must be 1 to 128 characters");
    }
    return worker;
  }

  // ---- helpers ----

  private void checkAccepted(String field, String queue) {
    if (!options.acceptsQueue(queue)) {
      throw ApiError.badRequest(
          field,
          "unknown queue '"
              + queue
              + "'; this server accepts "
              + String.join(", ", new TreeSet<>(options.queues())));
    }
  }

  private static long id(Context ctx) {
    return number("id", ctx.pathParam("id"), 1, Long.MAX_VALUE);
  }

  private static void noBody(Context ctx) {
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
  private static long number(String field, String text, long min, long max) {
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

  private static JobState state(String field, String text) {
    try {
      return JobState.valueOf(text.toUpperCase(Locale.ROOT));
    } catch (IllegalArgumentException e) {
      throw ApiError.badRequest(
          field,
          "state '"
              + text
              + "' is not one of "
              + String.join(", ", Arrays.stream(JobState.values()).map(JobJson::state).toList()));
    }
  }

  private static void checkName(String field, Runnable check) {
    try {
      check.run();
    } catch (IllegalArgumentException e) {
      throw ApiError.badRequest(field, field + ": " + e.getMessage());
    }
  }

  private static EnqueueOptions withOption(
      String field, EnqueueOptions options, java.util.function.UnaryOperator<EnqueueOptions> set) {
    return checked(field, () -> set.apply(options));
  }

  /** {@code make}'s value, or a 400 naming {@code field} with its refusal. */
  private static <T> T checked(String field, java.util.function.Supplier<T> make) {
    try {
      return make.get();
    } catch (IllegalArgumentException e) {
      throw ApiError.badRequest(field, field + ": " + e.getMessage());
    }
  }

  private static void json(Context ctx, int status, JsonNode body) {
    try {
      ctx.status(status).contentType(JSON).result(Body.MAPPER.writeValueAsBytes(body));
    } catch (JsonProcessingException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static void error(Context ctx, int status, String field, String message) {
    ObjectNode body = Body.MAPPER.createObjectNode();
    body.put("error", message);
    if (field != null) {
      body.put("field", field);
    }
    json(ctx, status, body);
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
  private static String causes(Throwable e) {
    StringBuilder text = new StringBuilder(String.valueOf(e));
    for (Throwable cause = e.getCause(); cause != null; cause = cause.getCause()) {
      text.append("; caused by ").append(cause);
    }
    return text.toString();
  }
}
