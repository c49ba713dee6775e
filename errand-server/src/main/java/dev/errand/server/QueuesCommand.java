package dev.errand.server;

import dev.errand.Errand;
import dev.errand.JobState;
import dev.errand.QueueInfo;
import java.io.PrintStream;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;

/** {@code errand queues list|pause|resume}, on the store directly. */
@Command(
    name = "queues",
    mixinStandardHelpOptions = true,
    description = "Lists, pauses and resumes queues.",
    subcommands = {
      QueuesCommand.ListQueues.class,
      QueuesCommand.Pause.class,
      QueuesCommand.Resume.class
    })
final class QueuesCommand implements Callable<Integer> {
  /**
   * Short names of the states for {@code queues list}, so that eight counts and the queue fit 80
   * columns.
   */
  private static final Map<JobState, String> QUEUE_COLUMNS =
      Map.of(
          JobState.PENDING, "PENDING",
          JobState.SCHEDULED, "SCHED",
          JobState.AVAILABLE, "AVAIL",
          JobState.RUNNING, "RUNNING",
          JobState.RETRYABLE, "RETRY",
          JobState.COMPLETED, "DONE",
          JobState.DISCARDED, "DISCARD",
          JobState.CANCELLED, "CANCEL");

  @ParentCommand ErrandCli root;

  @Override
  public Integer call() {
    return ErrandCli.usage(root.err, this);
  }

  @Command(
      name = "list",
      mixinStandardHelpOptions = true,
      description = "Lists queues with counts per state.")
  static final class ListQueues implements Callable<Integer> {
    @ParentCommand QueuesCommand queues;
    @Mixin ErrandCli.StoreOptions store;

    @Override
    public Integer call() throws Exception {
      PrintStream out = queues.root.out;
      return ErrandCli.withErrand(
          queues.root,
          store,
          false,
          errand -> {
            // 78 columns: each count as wide as its short header, at least 6.
            StringBuilder header =
                new StringBuilder(String.format("%-12s %-6s", "QUEUE", "PAUSED"));
            for (JobState state : JobState.values()) {
              header.append(
                  String.format(" %" + countWidth(state) + "s", QUEUE_COLUMNS.get(state)));
            }
            out.println(header);
            for (QueueInfo queue : errand.queues().list()) {
              StringBuilder row =
                  new StringBuilder(
                      String.format(
                          "%-12s %-6s",
                          ErrandCli.fit(queue.name(), 12), queue.paused() ? "yes" : "no"));
              for (JobState state : JobState.values()) {
                row.append(String.format(" %" + countWidth(state) + "d", queue.count(state)));
              }
              out.println(row);
            }
            return 0;
          });
    }
  }

  /** Pause and resume: one queue changed, and what it is after. */
  abstract static class QueueChange implements Callable<Integer> {
    @ParentCommand QueuesCommand queues;
    @Mixin ErrandCli.StoreOptions store;

    @Parameters(paramLabel = "QUEUE", description = "the queue")
    String name;

    /** Changes the queue; what it is after ("paused"). */
    abstract String change(Errand errand);

    @Override
    public Integer call() throws Exception {
      return ErrandCli.withErrand(
          queues.root,
          store,
          false,
          errand -> {
            queues.root.out.println("queue " + name + " " + change(errand));
            return 0;
          });
    }
  }

  @Command(
      name = "pause",
      mixinStandardHelpOptions = true,
      description = "Stops every node fetching from a queue.")
  static final class Pause extends QueueChange {
    @Override
    String change(Errand errand) {
      errand.queues().pause(name);
      return "paused";
    }
  }

  @Command(
      name = "resume",
      mixinStandardHelpOptions = true,
      description = "Lets nodes fetch from a queue again.")
  static final class Resume extends QueueChange {
    @Override
    String change(Errand errand) {
      errand.queues().resume(name);
      return "resumed";
    }
  }

  private static int countWidth(JobState state) {
    return Math.max(6, QUEUE_COLUMNS.get(state).length());
  }
}
