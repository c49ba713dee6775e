package dev.errand.internal.engine;

import java.time.Duration;
import java.util.function.LongConsumer;

/**
 * Interrupts attempts that ran past their worker's timeout, and records those whose worker ignored
 * the interrupt for {@link #STUCK_AFTER} as timed out. One sweep over the held attempts every
 * {@link #PRECISION} replaces a timer per job: scheduling and cancelling a timer for each of tens
 * of thousands of jobs a second costs more than the jobs, while timeouts are minutes long and need
 * no better precision than this.
 */
final class TimeoutSweeper extends Service {
  /** How late, at most, an attempt is interrupted after its timeout. */
  static final Duration PRECISION = Duration.ofMillis(25);

  /**
   * How long a worker may go on after the interrupt of its timeout before its attempt is recorded
   * as timed out without it. A worker that heeds interrupts returns within milliseconds; one that
   * does not (a loop that never checks, a blocking call that ignores interrupts) could run for
   * ever, and Java cannot stop a thread. Its job is not kept hostage meanwhile: it is retried or
   * discarded as the worker's policy says, and whatever the thread returns later is dropped.
   */
  static final Duration STUCK_AFTER = Duration.ofSeconds(1);

  /**
   * Interrupts every held attempt past its deadline at the given {@link System#nanoTime()}, and
   * records those stuck past it.
   */
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
