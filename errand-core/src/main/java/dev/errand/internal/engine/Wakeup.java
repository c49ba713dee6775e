package dev.errand.internal.engine;

import java.time.Duration;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;

/**
 * A sticky signal a loop waits on: a {@link #signal()} that arrives while the loop is busy is not
 * lost but ends its next wait at once. Many signals collapse into one.
 */
final class Wakeup {
  private final ReentrantLock lock = new ReentrantLock();
  private final Condition condition = lock.newCondition();
  private boolean signalled;

  void signal() {
    lock.lock();
    try {
      signalled = true;
      condition.signalAll();
    } finally {
      lock.unlock();
    }
  }

  /** Waits until signalled or {@code timeout} has passed, then clears the signal. */
  void await(Duration timeout) throws InterruptedException {
    long nanos = timeout.toNanos();
    lock.lock();
    try {
      while (!signalled && nanos > 0) {
        nanos = condition.awaitNanos(nanos);
      }
      signalled = false;
    } finally {
      lock.unlock();
    }
  }
}
