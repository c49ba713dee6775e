package dev.errand;

import java.util.List;

/**
 * The dependency edges of one job that have not been resolved yet, from {@link Jobs#edges}: the
 * jobs it still waits on, and the jobs still waiting on it. An edge is resolved, and no longer
 * listed, once its dependency ends (completed, discarded, cancelled or deleted): how it ended is
 * then counted in the waiting job's {@link JobInfo#dependencies()}. Stores keep only unresolved
 * edges because counting each end exactly once is what the edge is for; a finished batch's callback
 * therefore lists no members, only their counts.
 *
 * <p>Each list is in ascending id order and bounded by the limit asked for; the matching flag tells
 * whether more exist past it.
 *
 * @param dependencies the jobs this job waits on that have not ended yet
 * @param moreDependencies whether more than those listed exist
 * @param dependents the stored jobs that wait on this job, while it has not ended
 * @param moreDependents whether more than those listed exist
 */
public record JobEdges(
    List<Long> dependencies,
    boolean moreDependencies,
    List<Long> dependents,
    boolean moreDependents) {

  /** The edges of a job that waits on nothing and that nothing waits on. */
  public static final JobEdges NONE = new JobEdges(List.of(), false, List.of(), false);

  public JobEdges {
    dependencies = List.copyOf(dependencies);
    dependents = List.copyOf(dependents);
  }

  /**
   * The first {@code limit} of each of two ascending id lists that a store read with one extra
   * element, to learn whether more exist without counting them.
   */
  public static JobEdges fromOneExtra(List<Long> dependencies, List<Long> dependents, int limit) {
    return new JobEdges(
        dependencies.subList(0, Math.min(limit, dependencies.size())),
        dependencies.size() > limit,
        dependents.subList(0, Math.min(limit, dependents.size())),
        dependents.size() > limit);
  }

  /** Whether the job has no unresolved edge at all. */
  public boolean isEmpty() {
    return dependencies.isEmpty() && dependents.isEmpty();
  }
}
