package dev.errand.internal.maintain;

import dev.errand.Config;
import dev.errand.internal.engine.Service;
import dev.errand.internal.engine.StoreAlignedClock;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;

/**
 * Measures this node's clock against the store's, at start ({@link #measure()}, before the node
 * claims anything) and then every {@link #INTERVAL}, and corrects the node's {@link
 * StoreAlignedClock} by the offset. Every lease, leadership term and run time is computed from that
 * clock: uncorrected, a node ahead of the others would judge their leases expired (and rescue jobs
 * that still run), a node behind would write leases already expired, and either could take
 * leadership from a leader whose term still runs. The correction is as good as half the round trip
 * plus the drift between two measurements. Warns while the clocks disagree by more than a quarter
 * of the shorter of the job lease and the leader lease: this node corrects for it, but hosts whose
 * clocks drift apart by that much are worth fixing. A client that never starts (insert-only)
 * measures once, at the first read of its clock, and not again. Stores whose clock is this
 * process's (in memory, SQLite) have nothing to compare: the check then ends after its first turn.
 */
public final class ClockSkewCheck extends Service {
  /** How often the clocks are compared once the first comparison was made. */
  public static final Duration INTERVAL = Duration.ofMinutes(1);

  private final Config config;

  /** The node's clock, corrected here; null if the config's clock is not one (never, today). */
  private final StoreAlignedClock aligned;

  /** The node's clock uncorrected: what the offset is measured from. */
  private final Clock own;

  private final Duration tolerance;
  private boolean warned;

  /** When the last measurement was made ({@link System#nanoTime()}), or 0 before the first. */
  private volatile long measuredAtNanos;

  /** Whether a measurement was tried, successful or not. */
  private volatile boolean tried;

  public ClockSkewCheck(Config config) {
    super("clock-check");
    this.config = config;
    this.aligned = config.clock() instanceof StoreAlignedClock a ? a : null;
    this.own = aligned != null ? aligned.base() : config.clock();
    Duration shorter =
        config.leaseDuration().compareTo(config.leaderLease()) < 0
            ? config.leaseDuration()
            : config.leaderLease();
    this.tolerance = shorter.dividedBy(4);
    if (aligned != null) {
      aligned.alignOnFirstRead(this::measureUnlessTried);
    }
  }

  /**
   * Measures, once, if nothing did yet: on a node that never starts, at the first read of its
   * clock. A failure leaves the clock uncorrected (the store is likely down, and the call that read
   * the clock fails on its own), with a warning.
   */
  private void measureUnlessTried() {
    if (tried) {
      return;
    }
    try {
      measure();
    } catch (RuntimeException e) {
      log.warn(
          "could not compare this client's clock with the store's: the times it stamps come from"
              + " its own clock",
          e);
    }
  }

  @Override
  protected Duration runOnce() {
    // The node measured as it started, just before this loop's first turn: wait out the interval.
    long since = System.nanoTime() - measuredAtNanos;
    if (measuredAtNanos != 0 && since < INTERVAL.toNanos()) {
      return INTERVAL.minusNanos(since);
    }
    if (!measure()) {
      stop(Duration.ZERO); // from its own thread: the loop ends after this turn
      return Duration.ZERO;
    }
    return INTERVAL;
  }

  /**
   * Measures the offset, corrects this node's clock by it, and warns if it is large.
   *
   * @return false if the store has no clock of its own
   * @throws dev.errand.StoreException if the store failed
   */
  public synchronized boolean measure() {
    tried = true;
    Instant before = own.instant();
    Optional<Instant> storeTime = config.store().time();
    Instant after = own.instant();
    if (storeTime.isEmpty()) {
      return false;
    }
    // The store read its clock somewhere between the two readings of ours: compare with the
    // middle, so that the error is at most half the round trip.
    Instant middle = before.plus(Duration.between(before, after).dividedBy(2));
    Duration offset = Duration.between(middle, storeTime.get());
    measuredAtNanos = System.nanoTime();
    if (aligned != null) {
      // An offset within the measurement's own error (half the round trip, at least a
      // millisecond) is no offset: left uncorrected, the clock costs nothing extra to read, which
      // is the common case of hosts kept in time.
      Duration error = Duration.between(before, after).dividedBy(2);
      boolean measurable = offset.abs().compareTo(max(error, Duration.ofMillis(1))) > 0;
      aligned.align(measurable ? offset : Duration.ZERO);
    }
    if (offset.abs().compareTo(tolerance) > 0) {
      if (!warned) {
        log.warn(
            "this node's clock is {} ms {} the store's ({}), more than the {} ms Errand tolerates"
                + " (a quarter of the shorter lease): this node computes leases, leadership and"
                + " run times in the store's time, but a client that never starts measures only"
                + " once; synchronize this host's clock (NTP)",
            offset.abs().toMillis(),
            offset.isNegative() ? "ahead of" : "behind",
            config.store().getClass().getSimpleName(),
            tolerance.toMillis());
        warned = true;
      }
    } else if (warned) {
      log.info(
          "this node's clock agrees with the store's again (off by {} ms)",
          offset.abs().toMillis());
      warned = false;
    }
    return true;
  }

  private static Duration max(Duration a, Duration b) {
    return a.compareTo(b) >= 0 ? a : b;
  }
}
