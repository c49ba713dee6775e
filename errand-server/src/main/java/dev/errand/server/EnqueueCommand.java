package dev.errand.server;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.errand.EnqueueRequest;
import dev.errand.Enqueued;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;

/**
 * {@code errand enqueue}: stores one job, straight into the store. Its flags are gathered into the
 * JSON of {@code POST /api/jobs} and read by the API's reader ({@link EnqueueRequests}), so a bad
 * option is refused in the API's words, naming the flag.
 */
@Command(name = "enqueue", mixinStandardHelpOptions = true, description = "Enqueues one job.")
final class EnqueueCommand implements Callable<Integer> {
  /**
   * The name of each field of the job as the user gave it: the flag. Durations may be short ({@code
   * 5m}).
   */
  private static final Body.Spelling FLAGS =
      new Body.Spelling(
          Map.of(
              "kind", "KIND",
              "args", "--args",
              "queue", "--queue",
              "priority", "--priority",
              "maxAttempts", "--max-attempts",
              "runIn", "--run-in",
              "unique", "--unique-by",
              "unique.args", "--unique-by",
              "unique.queue", "--unique-by",
              "unique.period", "--unique-period"),
          true);

  @ParentCommand ErrandCli root;
  @Mixin ErrandCli.StoreOptions store;

  @Parameters(paramLabel = "KIND", description = "the job kind")
  String kind;

  @Option(names = "--args", defaultValue = "{}", description = "the args as a JSON object")
  String args;

  @Option(names = "--queue", description = "the queue (default: default)")
  String queue;

  @Option(names = "--priority", description = "0 (first) to 9")
  Integer priority;

  @Option(names = "--max-attempts", description = "attempts before it is discarded")
  Integer maxAttempts;

  @Option(names = "--run-in", description = "a delay such as 30s, 5m, 1h30m or PT5M")
  String runIn;

  @Option(
      names = "--unique-by",
      split = ",",
      paramLabel = "PART",
      description = {
        "enqueue only if no job of this kind with equal PARTs waits, runs or completed:",
        "kind, args (the whole args), args.FIELD (one top-level field), queue"
      })
  List<String> uniqueBy;

  @Option(
      names = "--unique-period",
      paramLabel = "DURATION",
      description =
          "unique within windows of this length, such as 1h or PT1H (implies --unique-by kind)")
  String uniquePeriod;

  @Override
  public Integer call() throws Exception {
    EnqueueRequest job =
        EnqueueRequests.forCommandLine().job(Body.flags(job(), EnqueueRequests.JOB_FIELDS, FLAGS));
    return ErrandCli.withErrand(
        root,
        store,
        false,
        errand -> {
          Enqueued enqueued = errand.enqueue(job.args(), job.options());
          String state = JobJson.state(enqueued.state());
          root.out.println(
              enqueued.duplicate()
                  ? "job " + enqueued.id() + " already exists (" + state + "); nothing enqueued"
                  : "enqueued job " + enqueued.id() + " (" + state + ")");
          return 0;
        });
  }

  /** The job the flags describe, as the API's JSON: the API's reader checks it. */
  private ObjectNode job() {
    ObjectNode job = Body.MAPPER.createObjectNode();
    job.put("kind", kind);
    JsonNode node;
    try {
      node = Body.MAPPER.readTree(args);
    } catch (JsonProcessingException e) {
      throw new IllegalArgumentException("--args is not valid JSON: " + e.getOriginalMessage());
    }
    if (node == null || node.isNull() || node.isMissingNode()) {
      // The API reads "args": null as no args; on the command line it is a mistake.
      throw new IllegalArgumentException(
          "--args must be a JSON object, was " + (node == null ? "missing" : Body.describe(node)));
    }
    job.set("args", node);
    if (queue != null) {
      job.put("queue", queue);
    }
    if (priority != null) {
      job.put("priority", priority);
    }
    if (maxAttempts != null) {
      job.put("maxAttempts", maxAttempts);
    }
    if (runIn != null) {
      job.put("runIn", runIn);
    }
    if (uniqueBy != null || uniquePeriod != null) {
      job.set("unique", unique());
    }
    return job;
  }

  /** The API's {@code unique} object that --unique-by and --unique-period describe. */
  private ObjectNode unique() {
    ObjectNode unique = Body.MAPPER.createObjectNode();
    ArrayNode fields = Body.MAPPER.createArrayNode();
    for (String part : uniqueBy == null ? List.<String>of() : uniqueBy) {
      String p = part.trim();
      if (p.equals("args")) {
        unique.put("args", true);
      } else if (p.startsWith("args.") && p.length() > "args.".length()) {
        fields.add(p.substring("args.".length()));
      } else if (p.equals("queue")) {
        unique.put("queue", true);
      } else if (!p.equals("kind")) {
        throw new IllegalArgumentException(
            "--unique-by part '" + part + "' is not one of kind, args, args.FIELD, queue");
      }
    }
    if (!fields.isEmpty()) {
      if (unique.has("args")) {
        throw new IllegalArgumentException("--unique-by takes args or args.FIELD parts, not both");
      }
      unique.set("args", fields);
    }
    if (uniquePeriod != null) {
      unique.put("period", uniquePeriod);
    }
    return unique;
  }
}
