package dev.errand;

/**
 * How the jobs a job depends on have ended so far. A dependency deleted before it ended counts as
 * cancelled.
 *
 * @param waiting not finished yet
 * @param completed completed
 * @param discarded discarded (failed their last attempt, or discarded by their worker)
 * @param cancelled cancelled, or deleted
 */
public record DependencyCounts(int waiting, int completed, int discarded, int cancelled) {

  /** The counts of a job without dependencies. */
  public static final DependencyCounts NONE = new DependencyCounts(0, 0, 0, 0);

  public DependencyCounts {
    if (waiting < 0 || completed < 0 || discarded < 0 || cancelled < 0) {
      throw new IllegalArgumentException(
          "dependency counts must not be negative: "
              + waiting
              + "/"
              + completed
              + "/"
              + discarded
              + "/"
              + cancelled);
    }
  }

  /** How many dependencies the job has. */
  public int total() {
    return waiting + completed + discarded + cancelled;
  }

  /** How many ended without completing. */
  public int failed() {
    return discarded + cancelled;
  }
}
