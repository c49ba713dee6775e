package dev.errand.spi;

import java.util.List;

/**
 * @param retryable ids made {@code RETRYABLE} with {@code scheduledAt = now}: the next stage makes
 *     them available
 * @param discarded ids {@code DISCARDED} because the expired attempt was their last
 */
public record JobRescueResult(List<Long> retryable, List<Long> discarded) {
  public JobRescueResult {
    retryable = List.copyOf(retryable);
    discarded = List.copyOf(discarded);
  }

  public int count() {
    return retryable.size() + discarded.size();
  }
}
