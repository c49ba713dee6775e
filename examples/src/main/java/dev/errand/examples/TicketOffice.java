package dev.errand.examples;

import dev.errand.DependencyCounts;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;

/**
 * The demo's stand-in for ticket rendering and delivery: keeps the tickets generated per event and
 * every sending, so that the summary and the tests can check that each event's tickets were sent
 * once, after all of them existed. Thread-safe.
 */
final class TicketOffice {

  private static final Duration RENDER_TIME = Duration.ofMillis(10);

  private final Map<String, Set<Integer>> generated = new ConcurrentHashMap<>();
  private final ConcurrentLinkedQueue<TicketsSent> sent = new ConcurrentLinkedQueue<>();

  /** Renders the ticket for {@code seat}; a repeat renders it again and stores it once. */
  void generate(String eventId, int seat) throws InterruptedException {
    Thread.sleep(RENDER_TIME);
    generated.computeIfAbsent(eventId, e -> ConcurrentHashMap.newKeySet()).add(seat);
  }

  /** Sends the event's tickets. */
  void send(String eventId, DependencyCounts members) {
    Set<Integer> tickets = generated.getOrDefault(eventId, Set.of());
    sent.add(new TicketsSent(eventId, members, tickets.size()));
  }

  /** How many events' tickets were sent. */
  int sentCount() {
    return sent.size();
  }

  /** Every sending so far, in order. */
  List<TicketsSent> sent() {
    return List.copyOf(sent);
  }
}
