package dev.errand.internal.engine;

/**
 * What a change made through the API tells this node's engine at once, instead of waiting for a
 * heartbeat or a notification: the narrow view {@code Jobs} needs of the engine.
 */
public interface JobSignals {

  /** Interrupts job {@code id} if it runs on this node, saying {@code why} in the log. */
  void stopLocally(long id, String why);

  /** Wakes this node's producer of {@code queue}: a job there became available. */
  void wakeQueue(String queue);
}
