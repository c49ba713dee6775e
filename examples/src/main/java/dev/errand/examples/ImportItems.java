package dev.errand.examples;

import dev.errand.EnqueueOptions;
import dev.errand.Job;
import dev.errand.JobArgs;
import dev.errand.Outcome;
import dev.errand.Worker;
import java.util.ArrayList;
import java.util.List;

/**
 * Imports a batch of items: one job that fans out into one {@link ImportItem} job per item, so that
 * the items are worked in parallel and a bad item fails and retries alone.
 *
 * @param importId names the import
 * @param itemCount how many items it holds, numbered from 1
 */
public record ImportItems(String importId, int itemCount) implements JobArgs {

  /** The stored kind. */
  public static final String KIND = "import_items";

  @Override
  public String kind() {
    return KIND;
  }

  /** Enqueues the item jobs. Thread-safe. */
  public static final class FanOut implements Worker<ImportItems> {
    @Override
    public Outcome work(Job<ImportItems> job) {
      List<ImportItem> items = new ArrayList<>(job.args().itemCount());
      for (int itemId = 1; itemId <= job.args().itemCount(); itemId++) {
        items.add(new ImportItem(job.args().importId(), itemId));
      }
      // One enqueueAll: one store call for all the items instead of one per item, and all or
      // none are stored, so a failed fan-out leaves no half import behind. Should this job run
      // twice (its lease expired after the insert), the items are queued twice; the item worker
      // is idempotent, so that costs work, not correctness. They go to this job's own queue,
      // whose concurrency the application sized for imports.
      job.enqueueAll(items, EnqueueOptions.defaults().queue(job.queue()));
      return Outcome.complete();
    }
  }
}
