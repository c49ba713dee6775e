package dev.errand.spi;

import java.util.List;

/**
 * @param results the results to write, at most one per job
 */
public record JobFinishManyParams(List<JobFinish> results) {
  public JobFinishManyParams {
    results = List.copyOf(results);
  }
}
