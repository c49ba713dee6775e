package dev.errand.internal.engine;

import java.time.Duration;

/**
 * Interrupts attempts that ran past their worker's timeout. One sweep over the held attempts every
 * {@link #PRECISION} replaces a timer per job: scheduling and cancelling a timer for each of tens
 * of thousands of jobs a second costs more than the jobs, while timeouts are minutes long and need
 * no better precision than this.
 */
final class TimeoutSweeper extends Service {
  /** How late, at most, an attempt is interrupted after its timeout. */
  static final Duration PRECISION = Duration.ofMillis(25);

  private final Engine engine;

  TimeoutSweeper(Engine engine) {
    super("timeout-sweeper");
    this.engine = engine;
  }

  @Override
  protected Duration runOnce() {
    engine.interruptOverdue(System.nanoTime());
    return PRECISION;
  }
}
