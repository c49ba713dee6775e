package dev.errand.postgres;

import java.time.Duration;
import java.time.Instant;

/**
 * Where the rescuer's walk of {@code job_lease_idx} starts, so that a pass does not read every
 * lease that ended since the last VACUUM.
 *
 * <p>Why: a finished job's entry stays in the lease index, dead, until VACUUM removes it, keyed on
 * the lease it had; every lease that ended before now lies in the range a pass reads. During a long
 * burn-down that is nearly every job claimed so far: near the end of a 10,000,000-job burn-down a
 * pass that walked from the start of the index read millions of dead entries. So a pass starts at
 * the time of the last pass that rescued all it found: every lease that had expired by then was
 * rescued, or held by a statement that was ending its job. A lease written since then by a claim or
 * a heartbeat ends after it, as the lease's end is the writer's time plus the lease.
 *
 * <p>Two leases can still end before the watermark: one whose job a finishing statement held and
 * then rolled back, and one written by a node whose clock lags the leader's by more than the lease.
 * For those, a pass walks the whole index at least every {@link #FULL_PASS_EVERY}, as the first
 * pass of a new leader does, so such a job is rescued at most that much later than it would be.
 */
final class RescueWatermark {
  /** How often a rescue pass walks the whole lease index, expired leases before the mark too. */
  static final Duration FULL_PASS_EVERY = Duration.ofMinutes(1);

  /** Before every lease: a pass from here reads the whole index. */
  static final Instant FROM_THE_START = Instant.MIN;

  private final long fullPassEveryNanos;
  private Instant mark;
  private long lastFullPassNanos;

  /** Where the last pass started, when it rescued all it could: the next continues from there. */
  private Instant unfinished;

  RescueWatermark() {
    this(FULL_PASS_EVERY);
  }

  /** With a full pass every {@code fullPassEvery} instead of {@link #FULL_PASS_EVERY}. */
  RescueWatermark(Duration fullPassEvery) {
    this.fullPassEveryNanos = fullPassEvery.toNanos();
  }

  /**
   * Where a pass at {@code now} starts: at the mark, or {@link #FROM_THE_START} for the first pass,
   * a full one that is due, or a clock that went back before the mark.
   */
  synchronized Instant start(Instant now) {
    if (unfinished != null) {
      return unfinished;
    }
    long nanos = System.nanoTime();
    if (mark == null || nanos - lastFullPassNanos >= fullPassEveryNanos || now.isBefore(mark)) {
      lastFullPassNanos = nanos;
      return FROM_THE_START;
    }
    return mark;
  }

  /**
   * After a pass at {@code now}, from {@code start}, that rescued {@code rescued} jobs of the
   * {@code limit} it could: one that found fewer left no expired lease behind, and the next starts
   * at its time; one that rescued all it could may have left more, and the next starts where it
   * did.
   */
  synchronized void passed(Instant start, Instant now, int rescued, int limit) {
    if (rescued >= limit) {
      unfinished = start;
      return;
    }
    unfinished = null;
    if (mark == null || now.isAfter(mark)) {
      mark = now;
    }
  }
}
