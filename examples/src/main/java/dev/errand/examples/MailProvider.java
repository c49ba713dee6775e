package dev.errand.examples;

import java.io.IOException;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The demo's stand-in for a mail provider's API: each call takes a moment, like an HTTP request,
 * and one call in {@value #FAILING_ONE_IN} is refused as rate-limited, the everyday reason a job is
 * retried. The refusals follow a fixed rhythm instead of chance, so that every run of the demo
 * shows retries. Thread-safe.
 */
final class MailProvider {

  /** One call in this many is refused. */
  static final int FAILING_ONE_IN = 4;

  private static final Duration CALL_TIME = Duration.ofMillis(20);

  private final AtomicLong calls = new AtomicLong();
  private final AtomicLong sent = new AtomicLong();

  /** Sends one message; blocks for as long as the provider's API would. */
  void send(String to, String subject) throws IOException, InterruptedException {
    Thread.sleep(CALL_TIME);
    long call = calls.incrementAndGet();
    if (call % FAILING_ONE_IN == 0) {
      throw new IOException("mail provider answered 429 Too Many Requests (call " + call + ")");
    }
    sent.incrementAndGet();
  }

  /** How many messages were sent. */
  long sent() {
    return sent.get();
  }
}
