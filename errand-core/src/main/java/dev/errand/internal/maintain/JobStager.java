package dev.errand.internal.maintain;

import dev.errand.Config;
import dev.errand.internal.engine.Service;
import dev.errand.spi.JobStageParams;
import dev.errand.spi.JobStageResult;
import java.time.Duration;
import java.util.function.Consumer;

/**
 * Makes scheduled and retryable jobs whose time has come available, and wakes the local producers
 * of their queues (the store's notifier wakes the other nodes).
 */
public final class JobStager extends Service {
  static final int BATCH = 10_000;

  private final Config config;
  private final Consumer<String> wakeQueue;

  public JobStager(Config config, Consumer<String> wakeQueue) {
    super("job-stager");
    this.config = config;
    this.wakeQueue = wakeQueue;
  }

  @Override
  protected Duration runOnce() {
    JobStageResult result =
        config.store().jobStage(new JobStageParams(config.clock().instant(), BATCH));
    result.stagedByQueue().keySet().forEach(wakeQueue);
    return result.total() >= BATCH ? Duration.ZERO : config.stageInterval();
  }
}
