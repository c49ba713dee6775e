package dev.errand.bench;

/**
 * One figure the benchmark reports, with its name in JSON lines, its label in the table and its
 * target. The targets hold for a 2-core machine with PostgreSQL on the same machine at default
 * durability; they are never loosened to make a run pass.
 */
enum Metric {
  BURNDOWN_JOBS_PER_S("burndown_jobs_per_s", "burn-down", Unit.JOBS_PER_S, Target.atLeast(50_000)),
  BULK_ENQUEUE_JOBS_PER_S(
      "bulk_enqueue_jobs_per_s", "bulk enqueue", Unit.JOBS_PER_S, Target.atLeast(150_000)),
  ENQUEUE_P50_MS("enqueue_p50_ms", "single enqueue p50", Unit.MS, Target.NONE),
  ENQUEUE_P99_MS("enqueue_p99_ms", "single enqueue p99", Unit.MS, Target.atMost(2)),
  PICKUP_P50_MS("pickup_p50_ms", "pickup p50", Unit.MS, Target.atMost(1.5)),
  PICKUP_P99_MS("pickup_p99_ms", "pickup p99", Unit.MS, Target.atMost(5)),
  ARRIVALS_BURNDOWN_JOBS_PER_S(
      "arrivals_burndown_jobs_per_s", "burn-down, arrivals", Unit.JOBS_PER_S, Target.NONE, true),
  ARRIVALS_PICKUP_P50_MS(
      "arrivals_pickup_p50_ms", "arrival pickup p50", Unit.MS, Target.NONE, true),
  ARRIVALS_PICKUP_P99_MS(
      "arrivals_pickup_p99_ms", "arrival pickup p99", Unit.MS, Target.NONE, true);

  /** How a figure is measured and printed. */
  enum Unit {
    JOBS_PER_S("jobs/s"),
    MS("ms");

    final String symbol;

    Unit(String symbol) {
      this.symbol = symbol;
    }
  }

  /**
   * The bound a figure must meet, or {@link #NONE}.
   *
   * @param atLeast whether the figure must be at least {@code bound} (throughput) rather than at
   *     most (latency)
   * @param bound the bound, in the metric's unit
   */
  record Target(boolean atLeast, double bound) {
    static final Target NONE = new Target(true, Double.NEGATIVE_INFINITY);

    static Target atLeast(double bound) {
      return new Target(true, bound);
    }

    static Target atMost(double bound) {
      return new Target(false, bound);
    }

    boolean exists() {
      return this != NONE;
    }

    boolean metBy(double value) {
      return atLeast ? value >= bound : value <= bound;
    }
  }

  final String key;
  final String label;
  final Unit unit;
  final Target target;

  /** Measured only when asked for (--arrivals): not listed when its phase did not run. */
  final boolean optional;

  Metric(String key, String label, Unit unit, Target target) {
    this(key, label, unit, target, false);
  }

  Metric(String key, String label, Unit unit, Target target, boolean optional) {
    this.key = key;
    this.label = label;
    this.unit = unit;
    this.target = target;
    this.optional = optional;
  }
}
