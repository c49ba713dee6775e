package dev.errand.server;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.errand.Batch;
import dev.errand.BatchEnqueued;
import dev.errand.Config;
import dev.errand.DuplicateJobException;
import dev.errand.EnqueueRequest;
import dev.errand.Enqueued;
import dev.errand.Errand;
import dev.errand.JobInfo;
import dev.errand.JobPage;
import dev.errand.JobQuery;
import dev.errand.JobState;
import io.javalin.http.Context;
import io.javalin.http.HandlerType;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;

/**
 * The jobs under {@code /api}: enqueue one or many ({@code POST /api/jobs}) or a batch with a
 * callback ({@code POST /api/batches}), list, show, delete, cancel and retry.
 */
final class JobRoutes {
  private static final Set<String> LIST_PARAMS =
      Set.of("state", "queue", "kind", "tag", "where", "order", "limit", "cursor");

  private final Errand errand;
  private final EnqueueRequests requests;

  JobRoutes(Errand errand, EnqueueRequests requests) {
    this.errand = errand;
    this.requests = requests;
  }

  void addTo(ApiServer.Routes routes) {
    routes.add(HandlerType.POST, "/api/jobs", this::enqueue);
    routes.add(HandlerType.POST, "/api/batches", this::enqueueBatch);
    routes.add(HandlerType.GET, "/api/jobs", this::list);
    routes.add(
        HandlerType.GET, "/api/jobs/{id}", ctx -> Exchanges.json(ctx, 200, JobJson.job(job(ctx))));
    routes.add(HandlerType.DELETE, "/api/jobs/{id}", this::delete);
    routes.add(HandlerType.POST, "/api/jobs/{id}/cancel", this::cancel);
    routes.add(HandlerType.POST, "/api/jobs/{id}/retry", this::retry);
  }

  private void enqueue(Context ctx) {
    JsonNode root = Body.read(ctx.bodyAsBytes());
    if (root.has("jobs")) {
      EnqueueRequests.Jobs jobs =
          requests.jobs(Body.of(root, "", "the request body", Set.of("jobs")));
      List<Enqueued> enqueued = jobs.storing(() -> errand.enqueueMany(jobs.requests()));
      ObjectNode result = Body.MAPPER.createObjectNode();
      ArrayNode array = result.putArray("jobs");
      enqueued.forEach(e -> array.add(JobJson.enqueued(e)));
      Exchanges.json(ctx, created(enqueued), result);
    } else {
      EnqueueRequests.Jobs job =
          requests.single(Body.of(root, "", "the request body", EnqueueRequests.JOB_FIELDS));
      List<Enqueued> enqueued = job.storing(() -> errand.enqueueMany(job.requests()));
      Exchanges.json(ctx, created(enqueued), JobJson.enqueued(enqueued.get(0)));
    }
  }

  private void enqueueBatch(Context ctx) {
    Body body = Body.parse(ctx.bodyAsBytes(), Set.of("jobs", "onFinish"));
    EnqueueRequests.Batch batch = requests.batch(body);
    BatchEnqueued enqueued =
        batch
            .all()
            .storing(
                () -> {
                  Batch stored = errand.batch();
                  for (EnqueueRequest member : batch.members().requests()) {
                    stored.add(member.args(), member.options());
                  }
                  EnqueueRequest callback = batch.onFinish();
                  return stored.onFinish(callback.args(), callback.options()).enqueue();
                });
    ObjectNode result = Body.MAPPER.createObjectNode();
    ArrayNode array = result.putArray("jobs");
    enqueued.members().forEach(e -> array.add(JobJson.enqueued(e)));
    result.set("onFinish", JobJson.enqueued(enqueued.callback()));
    Exchanges.json(ctx, 201, result);
  }

  /** 201 when a job was stored, 200 when every one was a duplicate of an existing job. */
  private static int created(List<Enqueued> enqueued) {
    return enqueued.stream().allMatch(Enqueued::duplicate) ? 200 : 201;
  }

  private void list(Context ctx) {
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
    // First: a new order starts the keyset over (JobQuery.withOrder).
    String order = ctx.queryParam("order");
    if (order != null) {
      query = query.withOrder(JobConditions.order(order));
    }
    String states = ctx.queryParam("state");
    if (states != null) {
      Set<JobState> parsed = EnumSet.noneOf(JobState.class);
      for (String state : states.split(",")) {
        parsed.add(JobJson.parseState("state", state.trim()));
      }
      query = query.withStates(parsed.toArray(JobState[]::new));
    }
    String queue = ctx.queryParam("queue");
    if (queue != null) {
      ApiError.check("queue", () -> Config.checkQueueName(queue));
      query = query.withQueue(queue);
    }
    String kind = ctx.queryParam("kind");
    if (kind != null) {
      ApiError.check("kind", () -> Config.checkKind(kind));
      query = query.withKind(kind);
    }
    String tag = ctx.queryParam("tag");
    if (tag != null) {
      query = query.withTag(tag);
    }
    String where = ctx.queryParam("where");
    if (where != null) {
      query = JobConditions.where(query, where);
    }
    String limit = ctx.queryParam("limit");
    if (limit != null) {
      query = query.withLimit((int) Exchanges.number("limit", limit, 1, JobQuery.MAX_LIMIT));
    }
    String cursor = ctx.queryParam("cursor");
    if (cursor != null) {
      query = query.withAfterId(Exchanges.number("cursor", cursor, 0, Long.MAX_VALUE));
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
    Exchanges.json(ctx, 200, result);
  }

  private void delete(Context ctx) {
    long id = Exchanges.id(ctx);
    Exchanges.noBody(ctx);
    if (errand.jobs().delete(id)) {
      ctx.status(204);
      return;
    }
    if (errand.jobs().get(id).isPresent()) {
      throw ApiError.conflict("id", "job " + id + " is running; cancel it first");
    }
    throw ApiError.notFound("id", "no job " + id);
  }

  private void cancel(Context ctx) {
    long id = Exchanges.id(ctx);
    Exchanges.noBody(ctx);
    JobInfo job =
        errand.jobs().cancel(id).orElseThrow(() -> ApiError.notFound("id", "no job " + id));
    Exchanges.json(ctx, 200, JobJson.job(job));
  }

  private void retry(Context ctx) {
    long id = Exchanges.id(ctx);
    Exchanges.noBody(ctx);
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
    Exchanges.json(ctx, 200, JobJson.job(job));
  }

  private JobInfo job(Context ctx) {
    long id = Exchanges.id(ctx);
    return errand.jobs().get(id).orElseThrow(() -> ApiError.notFound("id", "no job " + id));
  }
}
