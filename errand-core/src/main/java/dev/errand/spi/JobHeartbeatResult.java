package dev.errand.spi;

import java.util.Set;

/**
 * @param lost the ids whose lease could not be renewed because the job is no longer running at that
 *     attempt under that owner (cancelled, rescued, deleted): their holder should stop them
 */
public record JobHeartbeatResult(Set<Long> lost) {
  public JobHeartbeatResult {
    lost = Set.copyOf(lost);
  }
}
