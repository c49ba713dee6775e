package dev.errand.server;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import dev.errand.Config;
import dev.errand.DependencyFailure;
import dev.errand.EnqueueOptions;
import dev.errand.EnqueueRequest;
import dev.errand.Errand;
import dev.errand.JobState;
import dev.errand.RawArgs;
import dev.errand.UniqueOptions;
import dev.errand.UnknownDependencyException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.Supplier;
import java.util.function.UnaryOperator;

/**
 * Reads jobs to enqueue, each its kind, args and options, from the JSON the API takes ({@code POST
 * /api/jobs}, {@code POST /api/batches}) and from the flags of {@code errand enqueue}, which the
 * command line gathers into the same JSON ({@link Body#flags}). One reader, so both refuse the same
 * things in the same words: each refusal is an {@link ApiError} naming the field or the flag as the
 * user wrote it ({@code jobs[1].unique.period}, {@code --unique-period}).
 */
final class EnqueueRequests {
  /** The fields of one job. */
  static final Set<String> JOB_FIELDS =
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

  private final int maxArgsBytes;
  private final QueueCheck queues;

  /** Refuses, naming the field, a queue jobs may not go to. */
  private interface QueueCheck {
    void check(String field, String queue);
  }

  private EnqueueRequests(int maxArgsBytes, QueueCheck queues) {
    this.maxArgsBytes = maxArgsBytes;
    this.queues = queues;
  }

  /** For the API: args up to {@code errand}'s limit, to the queues the server accepts. */
  static EnqueueRequests forServer(Errand errand, ServerOptions options) {
    return new EnqueueRequests(errand.config().maxArgsBytes(), options::checkAccepted);
  }

  /**
   * For {@code errand enqueue}: args up to the default limit, which the command line's Errand has;
   * any queue, as the command writes to the store itself.
   */
  static EnqueueRequests forCommandLine() {
    return new EnqueueRequests(Config.DEFAULT_MAX_ARGS_BYTES, (field, queue) -> {});
  }

  /** Jobs to enqueue together, each with the path of its fields in the request ("jobs[2]."). */
  record Jobs(List<EnqueueRequest> requests, List<String> prefixes) {
    /**
     * Stores these jobs through {@code store}, turning core's refusals into a 400 naming the field
     * at fault: a dependency on a job that does not exist, or a feature the store lacks. Core
     * refuses both before it stores anything.
     */
    <T> T storing(Supplier<T> store) {
      try {
        return store.get();
      } catch (UnknownDependencyException e) {
        String field = null;
        for (int i = 0; i < requests.size() && field == null; i++) {
          int at = requests.get(i).options().dependsOn().indexOf(e.dependencyId());
          if (at >= 0) {
            field = prefixes.get(i) + "dependsOn[" + at + "]";
          }
        }
        throw refusal(field, e);
      } catch (UnsupportedOperationException e) {
        // Core names the capability the store lacks; name the first job that needs it.
        boolean unique = String.valueOf(e.getMessage()).contains("UNIQUE_JOBS");
        String field = null;
        for (int i = 0; i < requests.size() && field == null; i++) {
          EnqueueOptions options = requests.get(i).options();
          if (unique ? options.unique() != null : !options.dependsOn().isEmpty()) {
            field = prefixes.get(i) + (unique ? "unique" : "dependsOn");
          }
        }
        throw refusal(field, e);
      }
    }

    private static ApiError refusal(String field, RuntimeException e) {
      return ApiError.badRequest(
          field, field == null ? e.getMessage() : field + ": " + e.getMessage());
    }
  }

  /** A batch: its jobs, and the callback that runs once all of them have finished. */
  record Batch(Jobs members, EnqueueRequest onFinish) {
    /** The members and the callback, last, as one request stores them. */
    Jobs all() {
      List<EnqueueRequest> requests = new ArrayList<>(members.requests());
      requests.add(onFinish);
      List<String> prefixes = new ArrayList<>(members.prefixes());
      prefixes.add("onFinish.");
      return new Jobs(requests, prefixes);
    }
  }

  /** The job that {@code body} is. */
  Jobs single(Body body) {
    return new Jobs(List.of(job(body)), List.of(""));
  }

  /** The {@code jobs} array of {@code body}. */
  Jobs jobs(Body body) {
    List<JsonNode> items = body.array("jobs");
    if (items.isEmpty() || items.size() > ApiServer.MAX_BATCH) {
      throw ApiError.badRequest(
          "jobs", "jobs must hold 1 to " + ApiServer.MAX_BATCH + " jobs, had " + items.size());
    }
    List<EnqueueRequest> requests = new ArrayList<>();
    List<String> prefixes = new ArrayList<>();
    for (int i = 0; i < items.size(); i++) {
      String prefix = "jobs[" + i + "].";
      requests.add(job(Body.of(items.get(i), prefix, "jobs[" + i + "]", JOB_FIELDS)));
      prefixes.add(prefix);
    }
    return new Jobs(requests, prefixes);
  }

  /** The {@code jobs} and the {@code onFinish} callback of {@code body}. */
  Batch batch(Body body) {
    Jobs members = jobs(body);
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
    return new Batch(members, job(onFinish));
  }

  /** One job: {@code body} holds {@link #JOB_FIELDS}. */
  EnqueueRequest job(Body body) {
    String kind = body.requiredString("kind");
    ApiError.check(body.path("kind"), () -> Config.checkKind(kind));
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
    if (size > maxArgsBytes) {
      throw new ApiError(
          413,
          body.path("args"),
          body.path("args")
              + " are "
              + size
              + " bytes of JSON, more than the limit of "
              + maxArgsBytes
              + " bytes; keep large data elsewhere and pass its id");
    }
    EnqueueOptions options = EnqueueOptions.defaults();
    Optional<String> queue = body.string("queue");
    if (queue.isPresent()) {
      options = withOption(body.path("queue"), options, o -> o.queue(queue.get()));
      queues.check(body.path("queue"), queue.get());
    } else {
      queues.check(body.path("queue"), Config.DEFAULT_QUEUE);
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
    Optional<Duration> runIn = body.duration("runIn", "PT30S or PT5M");
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
      options = options.unique(unique(body.object("unique", UNIQUE_FIELDS)));
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
  private static UniqueOptions unique(Body body) {
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
    Optional<Duration> period = body.duration("period", "PT1H or P1D");
    if (period.isPresent()) {
      UniqueOptions u = unique;
      unique = ApiError.checked(body.path("period"), () -> u.byPeriod(period.get()));
    }
    Optional<List<String>> names = body.strings("states", JobState.values().length * 2);
    if (names.isPresent()) {
      EnumSet<JobState> states = EnumSet.noneOf(JobState.class);
      for (int i = 0; i < names.get().size(); i++) {
        states.add(JobJson.parseState(body.path("states") + "[" + i + "]", names.get().get(i)));
      }
      EnumSet<JobState> missing = EnumSet.copyOf(UniqueOptions.REQUIRED_STATES);
      missing.removeAll(states);
      if (!missing.isEmpty()) {
        throw ApiError.badRequest(
            body.path("states"),
            body.path("states")
                + " must include "
                + JobJson.states(UniqueOptions.REQUIRED_STATES)
                + " (a duplicate of a waiting or running job would run twice); missing "
                + JobJson.states(missing));
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

  private static EnqueueOptions withOption(
      String field, EnqueueOptions options, UnaryOperator<EnqueueOptions> set) {
    return ApiError.checked(field, () -> set.apply(options));
  }
}
