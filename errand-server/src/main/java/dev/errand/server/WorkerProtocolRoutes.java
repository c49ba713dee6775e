package dev.errand.server;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.errand.AttemptRef;
import dev.errand.Config;
import dev.errand.Errand;
import dev.errand.JobInfo;
import io.javalin.http.Context;
import io.javalin.http.HandlerType;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;

/**
 * The worker protocol under {@code /api/worker}, for workers in any language: fetch jobs under a
 * lease, renew it with heartbeats, and report each attempt's result (complete, fail, snooze,
 * discard) with the attempt number the fetch returned; a lost lease is a 409.
 */
final class WorkerProtocolRoutes {
  private final Errand errand;
  private final ServerOptions options;

  WorkerProtocolRoutes(Errand errand, ServerOptions options) {
    this.errand = errand;
    this.options = options;
  }

  void addTo(ApiServer.Routes routes) {
    routes.add(HandlerType.POST, "/api/worker/fetch", this::fetch);
    routes.add(HandlerType.POST, "/api/worker/heartbeat", this::heartbeat);
    routes.add(HandlerType.POST, "/api/worker/jobs/{id}/complete", this::complete);
    routes.add(HandlerType.POST, "/api/worker/jobs/{id}/fail", this::fail);
    routes.add(HandlerType.POST, "/api/worker/jobs/{id}/snooze", this::snooze);
    routes.add(HandlerType.POST, "/api/worker/jobs/{id}/discard", this::discard);
  }

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
      ApiError.check(field, () -> Config.checkQueueName(queue));
      options.checkAccepted(field, queue);
    }
    List<String> kinds = body.strings("kinds", 1_000).orElse(List.of());
    for (int i = 0; i < kinds.size(); i++) {
      String kind = kinds.get(i);
      ApiError.check("kinds[" + i + "]", () -> Config.checkKind(kind));
    }
    int limit = body.integer("limit", 1, errand.config().fetchBatchMax()).orElse(1L).intValue();
    Duration lease = lease(body);
    List<JobInfo> jobs =
        errand
            .leases()
            .fetch(new LinkedHashSet<>(queues), new HashSet<>(kinds), limit, worker, lease);
    ObjectNode result = Body.MAPPER.createObjectNode();
    ArrayNode array = result.putArray("jobs");
    jobs.forEach(j -> array.add(JobJson.job(j)));
    Exchanges.json(ctx, 200, result);
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
    Duration lease = lease(body);
    Set<Long> lost = errand.leases().heartbeat(worker, attempts, lease);
    ObjectNode result = Body.MAPPER.createObjectNode();
    ArrayNode array = result.putArray("lost");
    new TreeSet<>(lost).forEach(array::add);
    Exchanges.json(ctx, 200, result);
  }

  private void complete(Context ctx) {
    long id = Exchanges.id(ctx);
    Body body = Body.parse(ctx.bodyAsBytes(), Set.of("attempt"));
    AttemptRef attempt = attempt(id, body);
    finish(ctx, attempt, errand.leases().complete(attempt));
  }

  private void fail(Context ctx) {
    long id = Exchanges.id(ctx);
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
    long id = Exchanges.id(ctx);
    Body body = Body.parse(ctx.bodyAsBytes(), Set.of("attempt", "delaySeconds"));
    AttemptRef attempt = attempt(id, body);
    long delay = body.requiredLong("delaySeconds", 0, 365L * 24 * 3600);
    finish(ctx, attempt, errand.leases().snooze(attempt, Duration.ofSeconds(delay)));
  }

  private void discard(Context ctx) {
    long id = Exchanges.id(ctx);
    Body body = Body.parse(ctx.bodyAsBytes(), Set.of("attempt", "reason"));
    AttemptRef attempt = attempt(id, body);
    String reason = body.requiredString("reason");
    finish(ctx, attempt, errand.leases().discard(attempt, reason));
  }

  /**
   * Answers the job once the attempt's result is recorded; 409 when it no longer held its lease.
   */
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
    Exchanges.json(ctx, 200, JobJson.job(job.get()));
  }

  /** The lease asked for, 30 s unless the body says otherwise. */
  private static Duration lease(Body body) {
    return Duration.ofSeconds(
        body.integer("leaseSeconds", 1, ApiServer.MAX_LEASE_SECONDS).orElse(30L));
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
}
