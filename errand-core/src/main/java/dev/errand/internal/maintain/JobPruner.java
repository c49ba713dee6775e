package dev.errand.internal.maintain;

import dev.errand.Config;
import dev.errand.internal.engine.Service;
import dev.errand.spi.JobPruneParams;
import java.time.Duration;
import java.time.Instant;
import java.util.function.BooleanSupplier;

/**
 * Run by the maintenance leader only. Deletes finished jobs past their retention, in bounded
 * batches so that no single delete holds locks for long, and keeps the job table small so that the
 * hot path stays fast.
 */
public final class JobPruner extends Service {
  static final int BATCH = 10_000;

  private final Config config;
  private final BooleanSupplier isLeader;

  public JobPruner(Config config, BooleanSupplier isLeader) {
    super("job-pruner");
    this.config = config;
    this.isLeader = isLeader;
  }

  @Override
  protected Duration runOnce() {
    if (!isLeader.getAsBoolean()) {
      return config.pruneInterval();
    }
    Instant now = config.clock().instant();
    int deleted =
        config
            .store()
            .jobPrune(
                new JobPruneParams(
                    now.minus(config.completedRetention()),
                    now.minus(config.discardedRetention()),
                    now.minus(config.cancelledRetention()),
                    BATCH));
    if (deleted > 0) {
      log.debug("pruned {} finished jobs", deleted);
    }
    return deleted >= BATCH ? Duration.ofMillis(10) : config.pruneInterval();
  }
}
