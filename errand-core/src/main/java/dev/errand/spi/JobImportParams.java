package dev.errand.spi;

import java.time.Instant;
import java.util.List;

/**
 * @param jobs the jobs, imported in this order
 * @param now the import time: {@code createdAt} of every job imported
 */
public record JobImportParams(List<ImportedJob> jobs, Instant now) {
  public JobImportParams {
    jobs = List.copyOf(jobs);
  }
}
