package dev.errand.examples;

import dev.errand.JobEvent;
import dev.errand.JobEvent.Result;
import dev.errand.JobListener;
import java.util.EnumMap;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.LongAdder;

/**
 * Counts finished attempts by {@link Result}, and completed jobs by kind, as a {@link JobListener}:
 * the demo's numbers come from what Errand reports, not from what the demo expects. Thread-safe.
 */
final class Tally implements JobListener {

  // Filled once here and never changed, so reads need no lock; LongAdder because the completer
  // writes while the progress loop reads.
  private final Map<Result, LongAdder> counts = new EnumMap<>(Result.class);
  private final Map<String, LongAdder> completedByKind = new ConcurrentHashMap<>();

  Tally() {
    for (Result result : Result.values()) {
      counts.put(result, new LongAdder());
    }
  }

  @Override
  public void onJobEvent(JobEvent event) {
    counts.get(event.result()).increment();
    if (event.result() == Result.COMPLETED) {
      completedByKind.computeIfAbsent(event.job().kind(), k -> new LongAdder()).increment();
    }
  }

  /** How many attempts ended in {@code result} so far. */
  long count(Result result) {
    return counts.get(result).sum();
  }

  /** How many jobs of {@code kind} completed so far. */
  long completed(String kind) {
    LongAdder adder = completedByKind.get(kind);
    return adder == null ? 0 : adder.sum();
  }

  /** Completed jobs per kind, sorted by kind. */
  Map<String, Long> completedByKind() {
    Map<String, Long> copy = new TreeMap<>();
    completedByKind.forEach((kind, adder) -> copy.put(kind, adder.sum()));
    return copy;
  }
}
