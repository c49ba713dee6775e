package dev.errand;

/**
 * The order of a job listing ({@link JobQuery#order()}): by id, which is the order of enqueueing.
 * It decides what the keyset of a {@link JobQuery} means: {@link JobQuery#afterId()} is where the
 * previous page ended and {@link JobQuery#upToId()} where the window of ids ends, each in this
 * order.
 */
public enum JobOrder {
  /** Ascending id: the oldest job first. */
  OLDEST_FIRST,
  /** Descending id: the newest job first. */
  NEWEST_FIRST;

  /** The {@link JobQuery#upToId()} that bounds nothing in this order. */
  public long unboundedUpToId() {
    return this == OLDEST_FIRST ? Long.MAX_VALUE : 0;
  }
}
