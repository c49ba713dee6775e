package dev.errand.examples;

import dev.errand.Job;
import dev.errand.JobArgs;
import dev.errand.Outcome;
import dev.errand.Worker;

/**
 * Imports one item of an {@link ImportItems} import. The args carry only ids: the item's data would
 * stay in the application's own tables, not in the job.
 *
 * @param importId the import it belongs to
 * @param itemId the item, from 1
 */
public record ImportItem(String importId, int itemId) implements JobArgs {

  /** The stored kind. */
  public static final String KIND = "import_item";

  @Override
  public String kind() {
    return KIND;
  }

  /** Stores the item in the {@link Catalog}. Thread-safe. */
  public static final class Importer implements Worker<ImportItem> {
    private final Catalog catalog;

    Importer(Catalog catalog) {
      this.catalog = catalog;
    }

    @Override
    public Outcome work(Job<ImportItem> job) {
      // An upsert, not an insert: a job can run twice (a lease lost mid-attempt), and the second
      // run must leave the catalog as the first did.
      catalog.upsert(job.args().importId(), job.args().itemId());
      return Outcome.complete();
    }
  }
}
