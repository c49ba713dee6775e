package dev.errand.internal.maintain;

import dev.errand.Config;
import dev.errand.internal.engine.Service;
import dev.errand.spi.JobRescueParams;
import dev.errand.spi.JobRescueResult;
import java.time.Duration;
import java.util.function.BooleanSupplier;

/**
 * Run by the maintenance leader only. Gives back the jobs of nodes that stopped renewing their
 * leases (crashed, frozen, cut off): each such attempt counts as failed, and the job is retried or,
 * after its last attempt, discarded.
 */
public final class JobRescuer extends Service {
  static final int BATCH = 1_000;

  private final Config config;
  private final BooleanSupplier isLeader;

  public JobRescuer(Config config, BooleanSupplier isLeader) {
    super("job-rescuer");
    this.config = config;
    this.isLeader = isLeader;
  }

  @Override
  protected Duration runOnce() {
    if (!isLeader.getAsBoolean()) {
      return config.rescueInterval();
    }
    JobRescueResult result =
        config.store().jobRescueExpired(new JobRescueParams(config.clock().instant(), BATCH));
    if (result.count() > 0) {
      log.warn(
          "rescued {} jobs whose lease expired: retrying {}, discarded {}",
          result.count(),
          result.retryable(),
          result.discarded());
    }
    return result.count() >= BATCH ? Duration.ZERO : config.rescueInterval();
  }
}
