package dev.errand.spi;

import java.util.Map;

/**
 * @param stagedByQueue how many jobs became available, per queue (queues with none absent)
 */
public record JobStageResult(Map<String, Integer> stagedByQueue) {
  public JobStageResult {
    stagedByQueue = Map.copyOf(stagedByQueue);
  }

  public int total() {
    return stagedByQueue.values().stream().mapToInt(Integer::intValue).sum();
  }
}
