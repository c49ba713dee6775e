package dev.errand.internal.engine;

import java.time.Duration;
import java.util.function.LongConsumer;

/**
 * Interrupts attempts that ran past their worker's timeout. One sweep over the held attempts every
 * {@link #PRECISION} replaces a timer per job: scheduling and cancelling a timer for each of tens
 * of thousands of jobs a second costs more than the jobs, while timeouts are minutes long and need
 * no better precision than this.
 */
final class TimeoutSweeper extends Service {
  /** How late, at most, an attempt is interrupted after its timeout. */
  static final Duration PRECISION = Duration.ofMillis(25);

  /** Interrupts every held attempt past its deadline at the given {@link System#nanoTime()}. */
  private final LongConsumer interruptOverdue;

  TimeoutSweeper(LongConsumer interruptOverdue) {
    super("timeout-sweeper");
    this.interruptOverdue = interruptOverdue;
  }

  @Override
  protected Duration runOnce() {
    interruptOverdue.accept(System.nanoTime());
    return PRECISION;
  }
}
