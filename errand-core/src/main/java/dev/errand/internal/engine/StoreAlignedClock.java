package dev.errand.internal.engine;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;

/**
 * A node's clock corrected by its measured offset to the store's clock ({@code Store.time()}), so
 * that nodes whose clocks disagree still compute leases, leadership terms and run times on one time
 * line: the store's. The offset is zero until a node has measured it (at start, then every {@code
 * ClockSkewCheck.INTERVAL}), and stays zero on a store whose clock is this process's.
 */
public final class StoreAlignedClock extends Clock {
  private final Clock base;
  private volatile long offsetNanos;

  /**
   * Run once, by the first read, unless a measurement came first; see {@link #alignOnFirstRead}.
   */
  private volatile Runnable beforeFirstRead;

  public StoreAlignedClock(Clock base) {
    this.base = base;
  }

  /** The configured clock, uncorrected: what the offset is measured from. */
  public Clock base() {
    return base;
  }

  /** Corrects this clock by {@code offset}, the store's clock minus the base clock. */
  public void align(Duration offset) {
    this.offsetNanos = offset.toNanos();
  }

  /**
   * Makes the first read of this clock run {@code measure} first, so that a node that never starts
   * (an insert-only client) stamps its first job's run time, and every later one, in the store's
   * time too. One store round trip, once; a started node measures before it reads, and {@code
   * measure} then does nothing.
   */
  public void alignOnFirstRead(Runnable measure) {
    this.beforeFirstRead = measure;
  }

  @Override
  public Instant instant() {
    if (beforeFirstRead != null) {
      measureFirst();
    }
    long offset = offsetNanos;
    Instant now = base.instant();
    return offset == 0 ? now : now.plusNanos(offset);
  }

  /** Other readers wait for the measurement rather than read an uncorrected time meanwhile. */
  private synchronized void measureFirst() {
    Runnable measure = beforeFirstRead;
    if (measure != null) {
      beforeFirstRead = null;
      measure.run();
    }
  }

  @Override
  public ZoneId getZone() {
    return base.getZone();
  }

  @Override
  public Clock withZone(ZoneId zone) {
    throw new UnsupportedOperationException("an aligned clock keeps its base's zone");
  }
}
