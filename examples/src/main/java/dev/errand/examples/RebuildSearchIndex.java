package dev.errand.examples;

import dev.errand.Job;
import dev.errand.JobArgs;
import dev.errand.Outcome;
import dev.errand.Worker;
import java.time.Duration;

/**
 * Rebuilds the search index after the catalog changed: a unique job. Every change asks for a
 * rebuild, but one waiting rebuild covers them all, so the application enqueues it with {@link
 * dev.errand.UniqueOptions}: while one waits or runs, asking again stores nothing and answers a
 * duplicate.
 */
public record RebuildSearchIndex() implements JobArgs {

  /** The stored kind. */
  public static final String KIND = "rebuild_search_index";

  /** How long a rebuild takes in the demo. */
  static final Duration REBUILD_TIME = Duration.ofSeconds(1);

  @Override
  public String kind() {
    return KIND;
  }

  /** Takes {@link #REBUILD_TIME}, as reading the whole catalog would. Thread-safe. */
  public static final class Rebuilder implements Worker<RebuildSearchIndex> {
    @Override
    public Outcome work(Job<RebuildSearchIndex> job) throws InterruptedException {
      Thread.sleep(REBUILD_TIME);
      return Outcome.complete();
    }
  }
}
