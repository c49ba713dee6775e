package dev.errand.internal.engine;

import dev.errand.spi.JobHeartbeatParams;
import dev.errand.spi.JobHeartbeatResult;
import dev.errand.spi.JobRef;
import java.time.Duration;
import java.time.Instant;
import java.util.List;

/**
 * Renews the leases of every attempt this node holds, in one store call per heartbeat, and stops
 * the attempts whose lease the store says we lost (cancelled, or rescued after a long pause).
 */
final class LeaseKeeper extends Service {
  private final Engine engine;

  LeaseKeeper(Engine engine) {
    super("lease-keeper");
    this.engine = engine;
  }

  @Override
  protected Duration runOnce() {
    Duration interval = engine.config().heartbeatInterval();
    List<JobRef> held = engine.heldAttempts();
    if (held.isEmpty()) {
      return interval;
    }
    Instant now = engine.config().clock().instant();
    JobHeartbeatResult result =
        engine
            .store()
            .jobHeartbeat(
                new JobHeartbeatParams(
                    engine.config().nodeId(), held, now.plus(engine.config().leaseDuration())));
    for (long id : result.lost()) {
      engine.stopLocally(id, "its lease was lost (the job was cancelled, rescued or deleted)");
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
    return engine.config().heartbeatInterval();
  }
}
