package dev.errand.examples;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;

/**
 * The demo's stand-in for a mail service: it takes a moment per message, like an SMTP call, and
 * keeps what was sent so that the summary and the test can count it. Thread-safe.
 */
final class Outbox {

  /** One sent message. */
  record Mail(String to, String subject) {}

  private static final Duration SEND_TIME = Duration.ofMillis(50);

  private final ConcurrentLinkedQueue<Mail> sent = new ConcurrentLinkedQueue<>();

  /** Sends one message; blocks for as long as a mail server would. */
  void send(String to, String subject) throws InterruptedException {
    Thread.sleep(SEND_TIME);
    sent.add(new Mail(to, subject));
  }

  /** Everything sent so far, in order. */
  List<Mail> sent() {
    return List.copyOf(sent);
  }
}
