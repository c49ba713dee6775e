package dev.errand.examples;

import java.time.Instant;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The demo's stand-in for a sessions table: each sign-in opens a session, and the {@link
 * ExpireSessions} cron job deletes the ones opened before its slot. Thread-safe.
 */
final class Sessions {

  private final Map<String, Instant> openedAt = new ConcurrentHashMap<>();
  private final AtomicLong expired = new AtomicLong();

  /** Opens a session for {@code token} at {@code now}. */
  void open(String token, Instant now) {
    openedAt.put(token, now);
  }

  /** Deletes the sessions opened before {@code cutoff}. */
  void expireBefore(Instant cutoff) {
    openedAt
        .entrySet()
        .removeIf(
            entry -> {
              boolean old = entry.getValue().isBefore(cutoff);
              if (old) {
                expired.incrementAndGet();
              }
              return old;
            });
  }

  /** How many sessions were expired. */
  long expired() {
    return expired.get();
  }
}
