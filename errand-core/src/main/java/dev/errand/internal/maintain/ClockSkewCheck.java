package dev.errand.internal.maintain;

import dev.errand.Config;
import dev.errand.internal.engine.Service;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;

/**
 * Compares this node's clock with the store's, at start and then every {@link #INTERVAL}, and warns
 * while they disagree by more than a quarter of the shorter of the job lease and the leader lease.
 * Every lease, leadership term and run time is computed from the node's clock: a node ahead of the
 * others judges their leases expired (and rescues jobs that still run), a node behind writes leases
 * that have already expired, and either one can take leadership from a leader whose term still
 * runs. Stores whose clock is this process's (in memory, SQLite) have nothing to compare: the check
 * then ends after its first turn.
 */
public final class ClockSkewCheck extends Service {
  /** How often the clocks are compared once the first comparison was made. */
  public static final Duration INTERVAL = Duration.ofMinutes(1);

  private final Config config;
  private final Duration tolerance;
  private volatile Duration lastOffset;
  private boolean warned;

  public ClockSkewCheck(Config config) {
    super("clock-check");
    this.config = config;
    Duration shorter =
        config.leaseDuration().compareTo(config.leaderLease()) < 0
            ? config.leaseDuration()
            : config.leaderLease();
    this.tolerance = shorter.dividedBy(4);
  }

  /** The store's clock minus this node's at the last comparison; null before the first. */
  public Duration lastOffset() {
    return lastOffset;
  }

  @Override
  protected Duration runOnce() {
    Instant before = config.clock().instant();
    Optional<Instant> storeTime = config.store().time();
    Instant after = config.clock().instant();
    if (storeTime.isEmpty()) {
      stop(Duration.ZERO); // from its own thread: the loop ends after this turn
      return Duration.ZERO;
    }
    // The store read its clock somewhere between the two readings of ours: compare with the
    // middle, so that the error is at most half the round trip.
    Instant middle = before.plus(Duration.between(before, after).dividedBy(2));
    Duration offset = Duration.between(middle, storeTime.get());
    lastOffset = offset;
    if (offset.abs().compareTo(tolerance) > 0) {
      if (!warned) {
        log.warn(
            "this node's clock is {} ms {} the store's ({}), more than the {} ms Errand tolerates"
                + " (a quarter of the shorter lease): leases, leadership and run times computed"
                + " here disagree with other nodes'; synchronize this host's clock (NTP)",
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
    return INTERVAL;
  }
}
