package dev.errand.spi;

import java.time.Instant;
import java.util.List;

/**
 * @param jobs the jobs, inserted in this order (their ids increase in it)
 * @param now the insert time: {@code createdAt} of every job
 */
public record JobInsertManyParams(List<NewJob> jobs, Instant now) {
  public JobInsertManyParams {
    jobs = List.copyOf(jobs);
  }
}
