package dev.errand.server;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import dev.errand.Config;
import dev.errand.EnqueueOptions;
import dev.errand.Enqueued;
import dev.errand.RawArgs;
import dev.errand.UniqueOptions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;

/** {@code errand enqueue}: stores one job, straight into the store. */
@Command(name = "enqueue", mixinStandardHelpOptions = true, description = "Enqueues one job.")
final class EnqueueCommand implements Callable<Integer> {
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
    Config.checkKind(kind);
    JsonNode node;
    try {
      node = Body.MAPPER.readTree(args);
    } catch (JsonProcessingException e) {
      throw new IllegalArgumentException("--args is not valid JSON: " + e.getOriginalMessage());
    }
    if (node == null || !node.isObject()) {
      throw new IllegalArgumentException("--args must be a JSON object");
    }
    EnqueueOptions options = EnqueueOptions.defaults();
    if (queue != null) {
      options = options.queue(queue);
    }
    if (priority != null) {
      options = options.priority(priority);
    }
    if (maxAttempts != null) {
      options = options.maxAttempts(maxAttempts);
    }
    if (runIn != null) {
      Duration delay = CliDuration.parse("--run-in", runIn);
      try {
        options = options.runIn(delay);
      } catch (IllegalArgumentException e) {
        throw new IllegalArgumentException("--run-in: " + e.getMessage(), e);
      }
    }
    UniqueOptions unique = unique();
    if (unique != null) {
      options = options.unique(unique);
    }
    EnqueueOptions o = options;
    String json = Body.MAPPER.writeValueAsString(node);
    return ErrandCli.withErrand(
        root,
        store,
        false,
        errand -> {
          Enqueued enqueued = errand.enqueue(new RawArgs(kind, json), o);
          String state = JobJson.state(enqueued.state());
          root.out.println(
              enqueued.duplicate()
                  ? "job " + enqueued.id() + " already exists (" + state + "); nothing enqueued"
                  : "enqueued job " + enqueued.id() + " (" + state + ")");
          return 0;
        });
  }

  /** The uniqueness --unique-by and --unique-period ask for, or null for none. */
  private UniqueOptions unique() {
    if (uniqueBy == null && uniquePeriod == null) {
      return null;
    }
    UniqueOptions unique = UniqueOptions.byKind();
    List<String> fields = new ArrayList<>();
    for (String part : uniqueBy == null ? List.<String>of() : uniqueBy) {
      String p = part.trim();
      if (p.equals("args")) {
        unique = unique.byArgs();
      } else if (p.startsWith("args.") && p.length() > "args.".length()) {
        fields.add(p.substring("args.".length()));
      } else if (p.equals("queue")) {
        unique = unique.byQueue();
      } else if (!p.equals("kind")) {
        throw new IllegalArgumentException(
            "--unique-by part '" + part + "' is not one of kind, args, args.FIELD, queue");
      }
    }
    if (!fields.isEmpty()) {
      if (unique.isByArgs()) {
        throw new IllegalArgumentException("--unique-by takes args or args.FIELD parts, not both");
      }
      unique = unique.byArgs(fields.toArray(String[]::new));
    }
    if (uniquePeriod != null) {
      Duration period = CliDuration.parse("--unique-period", uniquePeriod);
      try {
        unique = unique.byPeriod(period);
      } catch (IllegalArgumentException e) {
        throw new IllegalArgumentException("--unique-period: " + e.getMessage(), e);
      }
    }
    return unique;
  }
}
