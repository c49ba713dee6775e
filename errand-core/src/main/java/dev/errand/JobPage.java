package dev.errand;

import java.util.List;

/**
 * One page of a job listing.
 *
 * @param jobs the jobs in the query's {@link JobQuery#order()}
 * @param nextAfterId pass to {@link JobQuery#withAfterId(long)} for the next page (the last job's
 *     id, in either order); 0 when this was the last page
 */
public record JobPage(List<JobInfo> jobs, long nextAfterId) {
  public JobPage {
    jobs = List.copyOf(jobs);
  }

  /** Whether another page may follow. */
  public boolean hasNext() {
    return nextAfterId != 0;
  }
}
