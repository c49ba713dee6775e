package dev.errand.bench;

import dev.errand.JobArgs;

/**
 * A job that arrives while a backlog burns down: its worker measures how long it waited.
 *
 * @param enqueuedNanos {@link System#nanoTime()} just before it was enqueued
 */
record Arrival(long enqueuedNanos) implements JobArgs {
  static final String KIND = "bench_arrival";

  @Override
  public String kind() {
    return KIND;
  }
}
