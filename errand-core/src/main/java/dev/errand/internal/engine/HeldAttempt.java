package dev.errand.internal.engine;

import dev.errand.Job;
import dev.errand.JobInfo;
import dev.errand.spi.JobRef;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * One attempt this node holds, from its claim until its result is written, and the whole of its
 * state: it may wait in its producer's buffer for a slot, then runs, then waits for the completer.
 * Its thread is interrupted on timeout, on cancellation, on a lost lease, and at shutdown after the
 * drain period. A worker that ignores the interrupt of its timeout has its attempt recorded as
 * timed out without it ({@link TimeoutSweeper#STUCK_AFTER}); its thread keeps the slot until it
 * returns.
 */
final class HeldAttempt {
  final JobInfo info;

  /** The producer that claimed the attempt, told once its result is written. */
  final ResultWritten owner;

  /** When the attempt was claimed, then when it started running (it may wait in a buffer). */
  volatile long startNanos = System.nanoTime();

  /**
   * Set once, by whoever decides the attempt's fate first: the runner handing over its result, a
   * cancellation or lost lease dropping it, or shutdown releasing it. Later deciders back off.
   */
  private final AtomicBoolean settled = new AtomicBoolean();

  /** The job is no longer ours (cancelled, lease lost): the attempt must not start, or stop. */
  volatile boolean cancelled;

  volatile boolean timedOut;

  /**
   * When the worker's timeout ends ({@link System#nanoTime()}), or 0 while none applies. Written
   * after {@link #job} and {@link #timeout}, which a reader who saw it set may use.
   */
  volatile long deadlineNanos;

  /** The running attempt's job, for the worker's backoff should the attempt get stuck. */
  Job<?> job;

  /** The worker's timeout of the running attempt, when it has one. */
  Duration timeout;

  /**
   * What the store is to record: set by whoever settled the attempt, before handing it to the
   * completer, whose queue makes it visible to the completer's thread.
   */
  AttemptResult result;

  private Thread thread;

  HeldAttempt(JobInfo info, ResultWritten owner) {
    this.info = info;
    this.owner = owner;
  }

  JobRef ref() {
    return new JobRef(info.id(), info.attempt());
  }

  /** How long the attempt has run, or, if it never started, how long since it was claimed. */
  Duration elapsed() {
    return Duration.ofNanos(System.nanoTime() - startNanos);
  }

  /** Decides the attempt's fate, unless someone did first: true if this caller decided it. */
  boolean settle() {
    return settled.compareAndSet(false, true);
  }

  boolean isSettled() {
    return settled.get();
  }

  /**
   * Interrupts the attempt if it runs past its worker's timeout at {@code nowNanos}.
   *
   * @return whether the worker, still running, has ignored that interrupt for {@link
   *     TimeoutSweeper#STUCK_AFTER}, and nobody has decided the attempt's fate yet
   */
  boolean interruptIfOverdue(long nowNanos) {
    long deadline = deadlineNanos;
    if (deadline == 0 || nowNanos - deadline <= 0) {
      return false;
    }
    if (!timedOut) {
      timedOut = true;
      interrupt();
      return false;
    }
    return nowNanos - deadline - TimeoutSweeper.STUCK_AFTER.toNanos() > 0 && !isSettled();
  }

  synchronized void attach(Thread t) {
    thread = t;
  }

  /** Detaches the thread, so a late interrupt cannot hit the thread's next task. */
  synchronized void detach() {
    thread = null;
  }

  /** The name of the thread running the attempt, or null if none does. */
  synchronized String threadName() {
    return thread != null ? thread.getName() : null;
  }

  synchronized void interrupt() {
    if (thread != null) {
      thread.interrupt();
    }
  }
}
