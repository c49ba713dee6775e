package dev.errand.server;

import com.fasterxml.jackson.core.JsonProcessingException;
import dev.errand.AttemptError;
import dev.errand.Errand;
import dev.errand.JobInfo;
import dev.errand.JobMove;
import dev.errand.JobPage;
import dev.errand.JobQuery;
import dev.errand.JobState;
import java.io.PrintStream;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;

/** {@code errand jobs list|show|retry|cancel|move}, on the store directly. */
@Command(
    name = "jobs",
    mixinStandardHelpOptions = true,
    description = "Lists, shows, retries, cancels and moves jobs.",
    subcommands = {
      JobsCommand.ListJobs.class,
      JobsCommand.Show.class,
      JobsCommand.Retry.class,
      JobsCommand.Cancel.class,
      JobsCommand.Move.class
    })
final class JobsCommand implements Callable<Integer> {
  /** How the CLI and the dashboard write a time: UTC, to the second. */
  static final DateTimeFormatter UTC =
      DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss", Locale.ROOT).withZone(ZoneOffset.UTC);

  @ParentCommand ErrandCli root;

  @Override
  public Integer call() {
    return ErrandCli.usage(root.err, this);
  }

  @Command(
      name = "list",
      mixinStandardHelpOptions = true,
      description = "Lists jobs, oldest first.")
  static final class ListJobs implements Callable<Integer> {
    @ParentCommand JobsCommand jobs;
    @Mixin ErrandCli.StoreOptions store;

    @Option(names = "--state", split = ",", description = "only these states")
    Set<String> states;

    @Option(names = "--queue", description = "only this queue")
    String queue;

    @Option(names = "--kind", description = "only this kind")
    String kind;

    @Option(names = "--limit", defaultValue = "50", description = "most jobs (default: 50)")
    int limit;

    @Option(names = "--after", defaultValue = "0", description = "only ids above this")
    long after;

    @Override
    public Integer call() throws Exception {
      JobQuery query = JobQuery.all().withLimit(limit).withAfterId(after);
      if (states != null) {
        query =
            query.withStates(
                states.stream()
                    .map(state -> JobJson.parseState("--state", state.trim()))
                    .toArray(JobState[]::new));
      }
      if (queue != null) {
        query = query.withQueue(queue);
      }
      if (kind != null) {
        query = query.withKind(kind);
      }
      JobQuery q = query;
      PrintStream out = jobs.root.out;
      return ErrandCli.withErrand(
          jobs.root,
          store,
          false,
          errand -> {
            JobPage page = errand.jobs().list(q);
            out.println(jobRow("ID", "STATE", "QUEUE", "KIND", "TRY", "DUE OR ENDED (UTC)"));
            for (JobInfo job : page.jobs()) {
              out.println(
                  jobRow(
                      Long.toString(job.id()),
                      JobJson.state(job.state()),
                      job.queue(),
                      job.kind(),
                      job.attempt() + "/" + job.maxAttempts(),
                      utc(job.finalizedAt() != null ? job.finalizedAt() : job.scheduledAt())));
            }
            if (page.hasNext()) {
              out.println("more: --after " + page.nextAfterId());
            }
            return 0;
          });
    }
  }

  @Command(
      name = "show",
      mixinStandardHelpOptions = true,
      description = "Prints a job: its fields, args and last error.")
  static final class Show implements Callable<Integer> {
    @ParentCommand JobsCommand jobs;
    @Mixin ErrandCli.StoreOptions store;

    @Parameters(paramLabel = "ID", description = "the job id")
    long id;

    @Option(names = "--json", description = "print the job as the HTTP API's JSON")
    boolean json;

    @Override
    public Integer call() throws Exception {
      return ErrandCli.withErrand(
          jobs.root,
          store,
          false,
          errand -> printJob(jobs.root, id, errand.jobs().get(id).orElse(null), json));
    }
  }

  /** Retry and cancel: one job changed, and its state after. */
  abstract static class JobChange implements Callable<Integer> {
    @ParentCommand JobsCommand jobs;
    @Mixin ErrandCli.StoreOptions store;

    @Parameters(paramLabel = "ID", description = "the job id")
    long id;

    /** Changes the job; the job after, or empty when there is none. */
    abstract Optional<JobInfo> change(Errand errand);

    @Override
    public Integer call() throws Exception {
      return ErrandCli.withErrand(
          jobs.root,
          store,
          false,
          errand -> {
            Optional<JobInfo> job = change(errand);
            if (job.isEmpty()) {
              jobs.root.err.println("errand: no job " + id);
              return 1;
            }
            jobs.root.out.println("job " + id + ": " + JobJson.state(job.get().state()));
            return 0;
          });
    }
  }

  @Command(
      name = "move",
      mixinStandardHelpOptions = true,
      description = {
        "Moves the jobs that wait to run (available, scheduled and retrying) from one store to"
            + " another, each with its kind, args, queue, priority, run time, attempts, errors, tags"
            + " and metadata. Safe to stop at any point and run again: every job ends up once in"
            + " the target. Run it while no node works the source's queues.",
        "A store is named by its URL: jdbc:postgresql://…, jdbc:sqlite:<file> or"
            + " redis://host:port[/db]."
      })
  static final class Move implements Callable<Integer> {
    @ParentCommand JobsCommand jobs;

    @Option(names = "--from", required = true, paramLabel = "URL", description = "the source")
    String from;

    @Option(names = "--to", required = true, paramLabel = "URL", description = "the target")
    String to;

    @Option(names = "--from-schema", description = "the source's postgres schema (default: errand)")
    String fromSchema;

    @Option(names = "--to-schema", description = "the target's postgres schema (default: errand)")
    String toSchema;

    @Option(names = "--from-prefix", description = "the source's redis key prefix")
    String fromPrefix;

    @Option(names = "--to-prefix", description = "the target's redis key prefix")
    String toPrefix;

    @Option(names = "--queue", description = "only this queue")
    String queue;

    @Option(
        names = "--state",
        split = ",",
        description = "only these states: available, scheduled, retryable (default: all three)")
    Set<String> states;

    @Option(
        names = "--page-size",
        defaultValue = "" + JobMove.DEFAULT_PAGE_SIZE,
        description = "jobs per round (default: " + JobMove.DEFAULT_PAGE_SIZE + ")")
    int pageSize;

    @Override
    public Integer call() throws Exception {
      PrintStream out = jobs.root.out;
      Settings source = Stores.byUrl("--from", from, fromSchema, fromPrefix);
      Settings target = Stores.byUrl("--to", to, toSchema, toPrefix);
      if (Stores.describe(source).equals(Stores.describe(target)) && from.equals(to)) {
        throw new IllegalArgumentException(
            "--from and --to name the same store, " + Stores.describe(source));
      }
      JobMove move;
      try (Stores.Opened opened = Stores.open(source, false);
          Stores.Opened into = Stores.open(target, false)) {
        Stores.checkMigrated(opened.store());
        Stores.checkMigrated(into.store());
        move = JobMove.from(opened.store()).to(into.store()).pageSize(pageSize);
        if (queue != null) {
          move.queue(queue);
        }
        if (states != null) {
          move.states(
              states.stream()
                  .map(state -> JobJson.parseState("--state", state.trim()))
                  .collect(java.util.stream.Collectors.toSet()));
        }
        out.println(
            "moving jobs from " + Stores.describe(source) + " to " + Stores.describe(target));
        long[] lastPrinted = {System.nanoTime()};
        JobMove.Summary summary =
            move.onProgress(
                    progress -> {
                      // At most a line a second: a move of a million jobs is 2,000 rounds.
                      if (System.nanoTime() - lastPrinted[0] >= 1_000_000_000L) {
                        lastPrinted[0] = System.nanoTime();
                        out.println("  " + describe(progress));
                      }
                    })
                .run();
        out.println("done: " + describe(summary));
        if (summary.inBoth() > 0) {
          jobs.root.err.println(
              "warning: "
                  + summary.inBoth()
                  + " jobs were taken by a node of the source while their copies already ran in"
                  + " the target: they ran in both");
          return 1;
        }
        return 0;
      }
    }

    private static String describe(JobMove.Summary summary) {
      return summary.moved()
          + " moved, "
          + summary.alreadyMoved()
          + " found in the target already (an earlier move stopped), "
          + summary.takenInSource()
          + " left in the source (a node took them)";
    }
  }

  @Command(name = "retry", mixinStandardHelpOptions = true, description = "Runs a job again now.")
  static final class Retry extends JobChange {
    @Override
    Optional<JobInfo> change(Errand errand) {
      return errand.jobs().retry(id);
    }
  }

  @Command(name = "cancel", mixinStandardHelpOptions = true, description = "Cancels a job.")
  static final class Cancel extends JobChange {
    @Override
    Optional<JobInfo> change(Errand errand) {
      return errand.jobs().cancel(id);
    }
  }

  /** One line of {@code jobs list}: 75 columns, long names cut with an ellipsis. */
  private static String jobRow(
      String id, String state, String queue, String kind, String attempt, String time) {
    return String.format(
        "%-7s %-9s %-12s %-18s %-5s %s",
        ErrandCli.fit(id, 7),
        state,
        ErrandCli.fit(queue, 12),
        ErrandCli.fit(kind, 18),
        ErrandCli.fit(attempt, 5),
        time);
  }

  private static String utc(Instant time) {
    return time == null ? "" : UTC.format(time);
  }

  private static int printJob(ErrandCli root, long id, JobInfo job, boolean json)
      throws JsonProcessingException {
    if (job == null) {
      root.err.println("errand: no job " + id);
      return 1;
    }
    if (json) {
      root.out.println(
          Body.MAPPER.writerWithDefaultPrettyPrinter().writeValueAsString(JobJson.job(job)));
      return 0;
    }
    PrintStream out = root.out;
    out.println("job " + job.id() + ": " + job.kind() + " in queue " + job.queue());
    out.println("  state      " + JobJson.state(job.state()));
    out.println("  attempt    " + job.attempt() + " of " + job.maxAttempts());
    out.println("  priority   " + job.priority());
    out.println("  created    " + utc(job.createdAt()) + " UTC");
    out.println("  scheduled  " + utc(job.scheduledAt()) + " UTC");
    if (job.attemptedAt() != null) {
      out.println("  attempted  " + utc(job.attemptedAt()) + " UTC");
    }
    if (job.finalizedAt() != null) {
      out.println("  ended      " + utc(job.finalizedAt()) + " UTC");
    }
    if (job.leaseOwner() != null) {
      out.println(
          "  leased to  " + job.leaseOwner() + " until " + utc(job.leaseExpiresAt()) + " UTC");
    }
    if (!job.tags().isEmpty()) {
      out.println("  tags       " + String.join(", ", job.tags()));
    }
    job.metadata().forEach((k, v) -> out.println("  metadata   " + k + " = " + v));
    out.println("  args");
    String args =
        Body.MAPPER
            .writerWithDefaultPrettyPrinter()
            .writeValueAsString(JobJson.job(job).get("args"));
    args.lines().forEach(line -> out.println("    " + line));
    if (!job.errors().isEmpty()) {
      AttemptError last = job.errors().get(job.errors().size() - 1);
      out.println(
          "  errors     "
              + job.errors().size()
              + "; the last, of attempt "
              + last.attempt()
              + " at "
              + utc(last.at())
              + " UTC:");
      out.println("    " + last.errorClass() + ": " + last.message());
      // The stack trace as it was printed, not as an escaped JSON string.
      last.stackTrace().lines().forEach(line -> out.println("    " + line));
    }
    return 0;
  }
}
