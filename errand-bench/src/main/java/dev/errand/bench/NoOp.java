package dev.errand.bench;

import dev.errand.JobArgs;

/**
 * The benchmark's job: does nothing, so that every figure is Errand's and its store's cost alone.
 *
 * @param seq the job's number within its phase, for a realistic small JSON payload
 */
record NoOp(long seq) implements JobArgs {
  static final String KIND = "bench_noop";

  @Override
  public String kind() {
    return KIND;
  }
}
