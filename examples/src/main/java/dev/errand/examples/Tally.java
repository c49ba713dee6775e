package dev.errand.examples;

import dev.errand.JobEvent;
import dev.errand.JobEvent.Result;
import dev.errand.JobListener;
import java.util.EnumMap;
import java.util.Map;
import java.util.concurrent.atomic.LongAdder;

/**
 * Counts finished attempts by {@link Result}, as a {@link JobListener}: the demo's numbers come
 * from what Errand reports, not from what the demo expects. Thread-safe.
 */
final class Tally implements JobListener {

  // Filled once here and never changed, so reads need no lock; LongAdder because the completer
  // writes while the progress loop reads.
  private final Map<Result, LongAdder> counts = new EnumMap<>(Result.class);

  Tally() {
    for (Result result : Result.values()) {
      counts.put(result, new LongAdder());
    }
  }

  @Override
  public void onJobEvent(JobEvent event) {
    counts.get(event.result()).increment();
  }

  /** How many attempts ended in {@code result} so far. */
  long count(Result result) {
    return counts.get(result).sum();
  }

  /** How many jobs reached a final state: each job ends once, in exactly one of these. */
  long ended() {
    return count(Result.COMPLETED) + count(Result.DISCARDED) + count(Result.CANCELLED);
  }
}
