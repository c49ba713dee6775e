package dev.errand.spi;

import java.util.Set;

/**
 * @param applied the ids whose result was written; the others were fenced out (no longer running at
 *     that attempt: rescued, cancelled or deleted meanwhile)
 */
public record JobFinishManyResult(Set<Long> applied) {
  public JobFinishManyResult {
    applied = Set.copyOf(applied);
  }
}
