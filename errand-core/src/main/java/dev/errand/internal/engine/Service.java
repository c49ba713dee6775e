package dev.errand.internal.engine;

import java.time.Duration;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A background loop on its own platform thread, named for what it does. Each turn of {@link
 * #runOnce()} returns how long to wait before the next; a {@link #wake()} ends the wait early. A
 * turn that throws never ends the loop: the loop says so in the log and restarts after an
 * exponential backoff (capped at {@link #MAX_BACKOFF}, or sooner where {@link #maxRetryDelay()}
 * says so), logging the first failure with its stack trace and then only every doubling of the
 * count, so a database outage does not flood the log.
 */
public abstract class Service {

  /** The longest pause after repeated failures. */
  public static final Duration MAX_BACKOFF = Duration.ofSeconds(10);

  private static final Duration FIRST_BACKOFF = Duration.ofMillis(100);

  protected final Logger log = LoggerFactory.getLogger(getClass());
  private final String name;
  private final Wakeup wakeup = new Wakeup();
  private volatile boolean stopping;
  private Thread thread;

  protected Service(String name) {
    this.name = name;
  }

  /** The loop's name, as in thread names and logs. */
  public String name() {
    return name;
  }

  /** Starts the loop. */
  public synchronized void start() {
    if (thread != null) {
      throw new IllegalStateException(name + " already started");
    }
    thread = Thread.ofPlatform().name("errand-" + name).daemon(true).start(this::loop);
  }

  /** Asks the loop to end after its current turn, and waits up to {@code timeout} for it. */
  public void stop(Duration timeout) {
    stopping = true;
    wakeup.signal();
    Thread t;
    synchronized (this) {
      t = thread;
    }
    if (t == null || t == Thread.currentThread()) {
      return;
    }
    try {
      if (!t.join(timeout.isNegative() ? Duration.ZERO : timeout)) {
        t.interrupt();
        t.join(Duration.ofSeconds(1));
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  /** Ends the current wait early. */
  public void wake() {
    wakeup.signal();
  }

  protected boolean isStopping() {
    return stopping;
  }

  /**
   * One turn of the loop.
   *
   * @return how long to wait before the next turn unless woken; zero for at once
   */
  protected abstract Duration runOnce() throws Exception;

  /**
   * The longest this loop may wait after failures: {@link #MAX_BACKOFF}, unless a loop must retry
   * sooner (one that keeps a lease alive must try again within the lease's renewal period).
   */
  protected Duration maxRetryDelay() {
    return MAX_BACKOFF;
  }

  private void loop() {
    int failures = 0;
    while (!stopping) {
      Duration wait;
      try {
        wait = runOnce();
        if (failures > 0) {
          log.info("{} recovered after {} failed turns", name, failures);
          failures = 0;
        }
      } catch (InterruptedException e) {
        if (stopping) {
          break;
        }
        wait = FIRST_BACKOFF;
      } catch (Throwable t) {
        failures++;
        Duration backoff = backoff(failures);
        wait = backoff.compareTo(maxRetryDelay()) < 0 ? backoff : maxRetryDelay();
        if (failures == 1) {
          log.error("{} failed; restarting it in {} ms", name, wait.toMillis(), t);
        } else if (Integer.bitCount(failures) == 1) {
          log.warn(
              "{} failed {} times in a row; restarting it in {} ms: {}",
              name,
              failures,
              wait.toMillis(),
              t.toString());
        }
      }
      if (stopping) {
        break;
      }
      if (!wait.isZero()) {
        try {
          wakeup.await(wait);
        } catch (InterruptedException e) {
          if (stopping) {
            break;
          }
        }
      }
    }
  }

  /** 100 ms, doubling per consecutive failure, capped at {@link #MAX_BACKOFF}. */
  static Duration backoff(int failures) {
    long millis = FIRST_BACKOFF.toMillis() << Math.min(failures - 1, 16);
    return Duration.ofMillis(Math.min(millis, MAX_BACKOFF.toMillis()));
  }
}
