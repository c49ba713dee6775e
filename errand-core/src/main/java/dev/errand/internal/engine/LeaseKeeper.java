package dev.errand.internal.engine;

import dev.errand.Config;
import dev.errand.spi.JobHeartbeatParams;
import dev.errand.spi.JobHeartbeatResult;
import dev.errand.spi.JobRef;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Set;
import java.util.function.Consumer;
import java.util.function.Supplier;

/**
 * Renews the leases of every attempt this node holds, in one store call per heartbeat, and reports
 * the attempts whose lease the store says we lost (cancelled, or rescued after a long pause), so
 * that they are stopped.
 */
final class LeaseKeeper extends Service {
  /** Why the attempt of a job whose lease was lost is stopped. */
  static final String LOST = "its lease was lost (the job was cancelled, rescued or deleted)";

  private final Config config;

  /** The attempts this node holds now, waiting for a slot or running or waiting to be written. */
  private final Supplier<List<JobRef>> held;

  /**
   * Told, all at once, the ids of the jobs whose leases were lost, to stop their attempts here: all
   * of them are marked before any is interrupted, so that a slot freed by the first cannot start
   * another of them that waited for it.
   */
  private final Consumer<Set<Long>> lost;

  LeaseKeeper(Config config, Supplier<List<JobRef>> held, Consumer<Set<Long>> lost) {
    super("lease-keeper");
    this.config = config;
    this.held = held;
    this.lost = lost;
  }

  @Override
  protected Duration runOnce() {
    Duration interval = config.heartbeatInterval();
    List<JobRef> refs = held.get();
    if (refs.isEmpty()) {
      return interval;
    }
    Instant now = config.clock().instant();
    JobHeartbeatResult result =
        config
            .store()
            .jobHeartbeat(
                new JobHeartbeatParams(
                    config.nodeId(), refs, now, now.plus(config.leaseDuration())));
    if (!result.lost().isEmpty()) {
      lost.accept(result.lost());
    }
    return interval;
  }

  /**
   * At most the heartbeat interval: leases run out whether or not the store answers. A keeper still
   * in a long backoff after the store came back would let the leases of the jobs running here
   * expire, and another node's rescuer would start those jobs a second time while they still run.
   */
  @Override
  protected Duration maxRetryDelay() {
    return config.heartbeatInterval();
  }
}
