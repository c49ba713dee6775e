package dev.errand.bench;

import java.util.Collections;
import java.util.EnumMap;
import java.util.Map;

/**
 * What one store's run produced: a value per measured figure, and why each missing figure is
 * missing (its phase failed or stalled). Not thread-safe: filled on the benchmark's main thread.
 */
final class StoreResults {
  private final String store;
  private final Map<Metric, Double> values = new EnumMap<>(Metric.class);
  private final Map<Metric, String> failures = new EnumMap<>(Metric.class);

  StoreResults(String store) {
    this.store = store;
  }

  String store() {
    return store;
  }

  void put(Metric metric, double value) {
    values.put(metric, value);
  }

  void fail(Metric metric, String why) {
    failures.put(metric, why);
  }

  /** The measured figures, in {@link Metric} order. */
  Map<Metric, Double> values() {
    return Collections.unmodifiableMap(values);
  }

  /** Why each figure that was not measured is missing, in {@link Metric} order. */
  Map<Metric, String> failures() {
    return Collections.unmodifiableMap(failures);
  }
}
