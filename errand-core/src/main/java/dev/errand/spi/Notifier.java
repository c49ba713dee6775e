package dev.errand.spi;

import java.util.function.Consumer;

/**
 * Delivers wake-ups: "queue Q has new available jobs". Optional: without it, producers poll. A
 * wake-up is a hint, never a promise: listeners must tolerate spurious and lost ones.
 */
public interface Notifier {

  /**
   * Calls {@code listener} with a queue's name whenever jobs may have become available in it, or
   * with null when any queue may have (after a lost connection was restored, say). Listeners must
   * return quickly and must not throw; they may be called from any thread.
   *
   * @return closing it stops the deliveries
   */
  AutoCloseable subscribe(Consumer<String> listener);
}
