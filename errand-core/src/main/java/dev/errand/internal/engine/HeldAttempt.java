package dev.errand.internal.engine;

import dev.errand.JobInfo;
import dev.errand.spi.JobRef;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * One attempt this node holds, from its claim until its result is written: it may wait in its
 * producer's buffer for a slot before it runs. Its thread is interrupted on timeout, on
 * cancellation, on a lost lease, and at shutdown after the drain period.
 */
final class HeldAttempt {
  final JobInfo info;
  final Producer producer;

  /** When the attempt was claimed, then when it started running (it may wait in a buffer). */
  volatile long startNanos = System.nanoTime();

  /**
   * Set once, by whoever decides the attempt's fate first: the runner handing over its result, a
   * cancellation or lost lease dropping it, or shutdown releasing it. Later deciders back off.
   */
  final AtomicBoolean settled = new AtomicBoolean();

  volatile boolean cancelled;
  volatile boolean timedOut;

  /** When the worker's timeout ends ({@link System#nanoTime()}), or 0 while none applies. */
  volatile long deadlineNanos;

  /**
   * What the store is to record: set by whoever settled the attempt, before handing it to the
   * completer, whose queue makes it visible to the completer's thread.
   */
  AttemptResult result;

  private Thread thread;

  HeldAttempt(JobInfo info, Producer producer) {
    this.info = info;
    this.producer = producer;
  }

  JobRef ref() {
    return new JobRef(info.id(), info.attempt());
  }

  /** How long the attempt has run, or, if it never started, how long since it was claimed. */
  Duration elapsed() {
    return Duration.ofNanos(System.nanoTime() - startNanos);
  }

  synchronized void attach(Thread t) {
    thread = t;
  }

  /** Detaches the thread, so a late interrupt cannot hit the thread's next task. */
  synchronized void detach() {
    thread = null;
  }

  synchronized void interrupt() {
    if (thread != null) {
      thread.interrupt();
    }
  }
}
