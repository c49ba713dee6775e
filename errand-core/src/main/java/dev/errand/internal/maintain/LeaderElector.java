package dev.errand.internal.maintain;

import dev.errand.Config;
import dev.errand.internal.engine.Service;
import dev.errand.spi.LeaderElectParams;
import dev.errand.spi.LeaderResignParams;
import java.time.Duration;
import java.time.Instant;

/**
 * Keeps or seeks this node's maintenance leadership: one node at a time runs the services that must
 * not run everywhere (rescue, pruning, and later cron). It renews every third of the lease, so a
 * live leader keeps it; when a leader dies, another node takes over once the lease expires, within
 * about one and a third lease periods.
 *
 * <p>Leadership is also bounded locally: a node counts itself leader only until its last successful
 * renewal plus the lease, measured on its own monotonic clock from before it asked. A leader cut
 * off from the store therefore stops acting before any other node can be elected.
 */
public final class LeaderElector extends Service {
  /** The name of the maintenance leadership in the store. */
  public static final String MAINTENANCE = "maintenance";

  private final Config config;
  private final Runnable onElected;
  private volatile boolean leading;
  private volatile long leadingUntilNanos;

  /**
   * @param onElected run each time this node becomes leader, on the elector's thread: the leader's
   *     services start at once (a rescue pass should not wait for its interval, while the jobs of
   *     the leader that just died wait for it)
   */
  public LeaderElector(Config config, Runnable onElected) {
    super("leader-elector");
    this.config = config;
    this.onElected = onElected;
  }

  /** Whether this node may act as leader right now. */
  public boolean isLeader() {
    return leading && System.nanoTime() - leadingUntilNanos < 0;
  }

  @Override
  protected Duration runOnce() {
    long askedAt = System.nanoTime();
    Instant now = config.clock().instant();
    boolean won =
        config
            .store()
            .leaderElect(
                new LeaderElectParams(
                    MAINTENANCE, config.nodeId(), now, now.plus(config.leaderLease())));
    if (won) {
      leadingUntilNanos = askedAt + config.leaderLease().toNanos();
      boolean elected = !leading;
      leading = true;
      if (elected) {
        log.info("node {} is now the maintenance leader", config.nodeId());
        onElected.run();
      }
    } else if (leading) {
      log.warn("node {} lost the maintenance leadership", config.nodeId());
      leading = false;
    }
    return config.leaderLease().dividedBy(3);
  }

  /**
   * Never waits longer than a renewal period: the lease runs out whether the store answers or not.
   */
  @Override
  protected Duration maxRetryDelay() {
    return config.leaderLease().dividedBy(3);
  }

  /** Stops, and hands the leadership back so that another node takes over at once. */
  @Override
  public void stop(Duration timeout) {
    super.stop(timeout);
    if (leading) {
      leading = false;
      try {
        config.store().leaderResign(new LeaderResignParams(MAINTENANCE, config.nodeId()));
      } catch (RuntimeException e) {
        log.warn("could not resign the maintenance leadership; it expires by itself", e);
      }
    }
  }
}
