package dev.errand.contract;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.errand.spi.Capability;
import dev.errand.spi.Notifier;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Notify, an area of the {@link StoreContract}: inserting, staging and resuming wake the queue's
 * subscribers. Needs {@code LISTEN_NOTIFY}.
 */
abstract class NotifyContract extends ContractFixtures {

  private final List<AutoCloseable> subscriptions = new ArrayList<>();
  private Notifier notifier;

  @BeforeEach
  void requireNotify() {
    assumeTrue(
        store.capabilities().contains(Capability.LISTEN_NOTIFY),
        "the store does not declare LISTEN_NOTIFY");
    assertThat(store.notifier()).as("LISTEN_NOTIFY is declared").isPresent();
    notifier = store.notifier().orElseThrow();
  }

  @AfterEach
  void unsubscribe() throws Exception {
    for (AutoCloseable subscription : subscriptions) {
      subscription.close();
    }
  }

  @Test
  void insertingAnAvailableJobWakesTheListenersWithItsQueue() {
    Listener listener = subscribe();

    insertOne(job().queue("mail"));

    await().atMost(WAKE_UP).untilAsserted(() -> assertThat(listener.seen).contains("mail"));
  }

  @Test
  void oneInsertWakesEveryQueueItMadeAvailable() {
    Listener listener = subscribe();

    insert(job().queue("mail"), job().queue("sms"), job().queue("mail"));

    await().atMost(WAKE_UP).untilAsserted(() -> assertThat(listener.seen).contains("mail", "sms"));
  }

  @Test
  void stagingWakesTheStagedQueues() {
    insertOne(job().queue("later").scheduledAt(at(60)));
    Listener listener = subscribe();
    clock.set(at(60));

    assertThat(stage().stagedByQueue()).isEqualTo(Map.of("later", 1));

    await().atMost(WAKE_UP).untilAsserted(() -> assertThat(listener.seen).contains("later"));
  }

  @Test
  void resumingWakesTheQueue() {
    store.queuePause("paused");
    insertOne(job().queue("paused"));
    Listener listener = subscribe();

    store.queueResume("paused");

    await().atMost(WAKE_UP).untilAsserted(() -> assertThat(listener.seen).contains("paused"));
  }

  @Test
  void everySubscriberIsWokenAndAClosedOneIsNot() throws Exception {
    Listener closed = subscribe();
    Listener open = subscribe();
    closed.subscription.close();

    insertOne(job().queue("mail"));

    // The open listener's wake-up shows the delivery happened; the closed one must have none.
    await().atMost(WAKE_UP).untilAsserted(() -> assertThat(open.seen).contains("mail"));
    assertThat(closed.seen).doesNotContain("mail");
  }

  private Listener subscribe() {
    Listener listener = new Listener();
    listener.subscription = notifier.subscribe(listener);
    subscriptions.add(listener.subscription);
    return listener;
  }
}
