package dev.errand;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import dev.errand.spi.Store;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;

/**
 * Each node compares its clock with a store that has one of its own, and warns, naming how far off
 * it is and the remedy, when they disagree by more than a quarter of the shorter lease.
 */
class ClockSkewWarningTest {
  private final ListAppender<ILoggingEvent> appender = new ListAppender<>();
  private final TestClock clock = new TestClock();
  private final Store memory = Stores.inMemory();
  private final AtomicInteger storeTimeReads = new AtomicInteger();
  private Logger logger;
  private Errand errand;

  @BeforeEach
  void captureTheLog() {
    logger = (Logger) LoggerFactory.getLogger("dev.errand.internal.maintain.ClockSkewCheck");
    appender.start();
    logger.addAppender(appender);
  }

  @AfterEach
  void stop() throws Exception {
    if (errand != null) {
      errand.stop(Duration.ofSeconds(5));
    }
    memory.close();
    logger.detachAppender(appender);
  }

  /** The in-memory store, with a clock of its own {@code storeAhead} ahead of the node's. */
  private Store storeWithClock(Duration storeAhead) {
    return StoreWithClock.of(
        memory,
        () -> {
          storeTimeReads.incrementAndGet();
          return Optional.of(clock.instant().plus(storeAhead));
        });
  }

  /** A node without queues: maintenance only, the clock check included. */
  private void startNode(Store store) {
    errand =
        Errand.create(
                Config.builder(store)
                    .clock(clock)
                    .leaseDuration(Duration.ofSeconds(30))
                    .leaderLease(Duration.ofSeconds(15))
                    .build())
            .start();
  }

  private List<String> logged(Level level) {
    synchronized (appender) { // appends hold the appender's lock
      return appender.list.stream()
          .filter(e -> e.getLevel() == level)
          .map(ILoggingEvent::getFormattedMessage)
          .toList();
    }
  }

  @Test
  void aNodeBehindTheStoresClockByMoreThanAQuarterLeaseWarnsWithTheOffsetAndTheRemedy() {
    startNode(storeWithClock(Duration.ofSeconds(60)));

    await().until(() -> !logged(Level.WARN).isEmpty());
    assertThat(logged(Level.WARN))
        .singleElement()
        .asString()
        .startsWith("this node's clock is 60000 ms behind the store's")
        .contains("more than the 3750 ms Errand tolerates")
        .contains("synchronize this host's clock (NTP)");
  }

  @Test
  void aNodeAheadOfTheStoresClockSaysAhead() {
    startNode(storeWithClock(Duration.ofSeconds(-20)));

    await().until(() -> !logged(Level.WARN).isEmpty());
    assertThat(logged(Level.WARN))
        .singleElement()
        .asString()
        .startsWith("this node's clock is 20000 ms ahead of the store's");
  }

  @Test
  void clocksWithinAQuarterLeaseOfEachOtherWarnOfNothing() {
    // 3,750 ms is a quarter of the 15 s leader lease, the shorter one: just inside.
    startNode(storeWithClock(Duration.ofMillis(3_750)));

    // The check has compared the clocks (it read the store's) and has logged what it would.
    await().until(() -> storeTimeReads.get() >= 1);
    errand.stop(Duration.ofSeconds(5));
    assertThat(logged(Level.WARN)).isEmpty();
  }
}
