package dev.errand.examples;

import java.io.IOException;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The demo's stand-in for a partner's webhook endpoint that is down for its first few calls, then
 * recovers: the everyday reason jobs are retried. Thread-safe.
 */
final class FlakyPartner {

  private final int failingCalls;
  private final AtomicInteger calls = new AtomicInteger();

  /** A partner that answers 503 to its first {@code failingCalls} calls. */
  FlakyPartner(int failingCalls) {
    this.failingCalls = failingCalls;
  }

  /** Posts one event to {@code url}; fails while the partner is down. */
  void post(String url, String eventId) throws IOException {
    int call = calls.incrementAndGet();
    if (call <= failingCalls) {
      throw new IOException(url + " answered 503 Service Unavailable (call " + call + ")");
    }
  }
}
