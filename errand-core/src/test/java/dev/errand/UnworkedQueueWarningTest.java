package dev.errand;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import dev.errand.TestArgs.Noop;
import dev.errand.TestArgs.Step;
import dev.errand.spi.NodeReportParams;
import dev.errand.spi.Store;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Proxy;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;

/**
 * The warning on an enqueue into a queue no live node works, read from the log: a WARN once per
 * queue (or queue and kind) per node, and a DEBUG line for each check that found a worker.
 */
class UnworkedQueueWarningTest extends EngineHarness {
  private static final EnqueueOptions INTO_IMPORT = EnqueueOptions.defaults().queue("import");

  private final ListAppender<ILoggingEvent> appender = new ListAppender<>();
  private Logger logger;
  private Level level;

  @BeforeEach
  void captureTheLog() {
    logger = (Logger) LoggerFactory.getLogger("dev.errand.internal.engine.UnworkedQueueCheck");
    level = logger.getLevel();
    logger.setLevel(Level.DEBUG);
    appender.start();
    logger.addAppender(appender);
  }

  @AfterEach
  void releaseTheLog() {
    logger.detachAppender(appender);
    logger.setLevel(level);
  }

  /** The messages logged at {@code level} that mention {@code text}. */
  private List<String> logged(Level level, String text) {
    List<ILoggingEvent> events;
    synchronized (appender) { // appends hold the appender's lock
      events = List.copyOf(appender.list);
    }
    return events.stream()
        .filter(e -> e.getLevel() == level)
        .map(ILoggingEvent::getFormattedMessage)
        .filter(m -> m.contains(text))
        .toList();
  }

  private List<String> warnings(String node) {
    return logged(Level.WARN, "This node (" + node + ")");
  }

  private Errand worksDefault(String node) {
    return start(
        c ->
            c.nodeId(node).queue("default", 1).worker("noop", Noop.class, j -> Outcome.complete()));
  }

  @Test
  void enqueuesIntoAQueueNoNodeWorksWarnOnceNamingTheQueueTheJobsAndTheRemedy() {
    Errand node = worksDefault("node-a");

    long first = node.enqueue(new Noop(1), INTO_IMPORT).id();
    node.enqueue(new Noop(2), INTO_IMPORT);
    await().until(() -> !warnings("node-a").isEmpty());
    node.enqueueAll(List.of(new Noop(3), new Noop(4)), INTO_IMPORT);
    node.enqueueMany(List.of(new EnqueueRequest(new Noop(5), INTO_IMPORT)));
    node.batch().add(new Noop(6), INTO_IMPORT).onFinish(new Noop(7), INTO_IMPORT).enqueue();
    node.enqueue(new Noop(8), INTO_IMPORT);

    assertThat(warnings("node-a"))
        .singleElement()
        .asString()
        .containsPattern("^jobs? \\[?" + first + "[ ,\\]]")
        .contains(
            "enqueued into queue 'import' will wait: no live node works queue 'import'",
            "This node (node-a) works queues [default]",
            "Declare it with Config.Builder.queue(\"import\", n) on a node that has workers for"
                + " its kinds, or enqueue into a queue a node works");
    assertThat(store.jobList(JobQuery.all().withQueue("import").withLimit(100))).hasSize(8);
  }

  @Test
  void noWarningWhenAnotherLiveNodeWorksTheQueue() {
    start(
        c ->
            c.nodeId("node-b")
                .queue("import", 1)
                .worker("noop", Noop.class, j -> Outcome.complete()));
    Errand node = worksDefault("node-a");
    await().until(() -> node.nodes().stream().anyMatch(n -> n.id().equals("node-b")));

    node.enqueue(new Noop(1), INTO_IMPORT);

    await().until(() -> !logged(Level.DEBUG, "node node-a checked queue 'import'").isEmpty());
    assertThat(logged(Level.WARN, "")).isEmpty();
  }

  @Test
  void noWarningForAQueueAndKindThisNodeWorks() {
    Errand node = worksDefault("node-a");

    node.enqueue(new Noop(1));
    node.enqueueAll(List.of(new Noop(2), new Noop(3)));
    // A queue nobody works, after them: its warning shows that the checks ran.
    node.enqueue(new Noop(4), EnqueueOptions.defaults().queue("nowhere"));

    await().until(() -> !warnings("node-a").isEmpty());
    assertThat(warnings("node-a")).singleElement().asString().contains("queue 'nowhere'");
  }

  @Test
  void aNodeWhoseEntryExpiredDoesNotCount() {
    Instant now = clock.instant();
    store.nodeReport(
        new NodeReportParams(
            "died",
            Map.of("import", 4),
            Set.of("noop"),
            now.minusSeconds(60),
            now.minusSeconds(60),
            now.minusSeconds(30)));
    Errand node = worksDefault("node-a");

    node.enqueue(new Noop(1), INTO_IMPORT);

    await().until(() -> !warnings("node-a").isEmpty());
    assertThat(warnings("node-a")).singleElement().asString().contains("queue 'import'");
  }

  @Test
  void aKindNoNodeOfItsQueueHasAWorkerForWarnsOncePerQueueAndKind() {
    Errand node = worksDefault("node-a");

    node.enqueue(new Step("one"));
    await().until(() -> !warnings("node-a").isEmpty());
    node.enqueue(new Step("two"));
    node.enqueue(new Noop(1));

    assertThat(warnings("node-a"))
        .singleElement()
        .asString()
        .contains(
            "of kind 'step' enqueued into queue 'default' will wait",
            "This node (node-a) works queues [default] with workers for [noop]",
            "Register a worker for 'step' (Config.Builder.worker) on a node that works queue"
                + " 'default'");
  }

  @Test
  void noKindWarningWhenAnotherNodeOfTheQueueHasTheWorker() {
    start(
        c ->
            c.nodeId("node-b")
                .queue("default", 1)
                .worker("step", Step.class, j -> Outcome.complete()));
    Errand node = worksDefault("node-a");
    await().until(() -> node.nodes().stream().anyMatch(n -> n.id().equals("node-b")));

    node.enqueue(new Step("one"));

    await()
        .until(
            () ->
                !logged(Level.DEBUG, "node node-a checked queue 'default' and kind 'step'")
                    .isEmpty());
    assertThat(logged(Level.WARN, "")).isEmpty();
  }

  @Test
  void aStoreErrorDuringTheCheckIsLoggedAtDebugAndRetriedLaterNotOnEveryEnqueue() {
    AtomicInteger reads = new AtomicInteger();
    AtomicInteger failures = new AtomicInteger(1);
    Store flaky =
        (Store)
            Proxy.newProxyInstance(
                Store.class.getClassLoader(),
                new Class<?>[] {Store.class},
                (proxy, method, args) -> {
                  if (method.getName().equals("nodeList")) {
                    reads.incrementAndGet();
                    if (failures.getAndDecrement() > 0) {
                      throw new StoreException("list nodes failed: connection refused (simulated)");
                    }
                  }
                  try {
                    return method.invoke(store, args);
                  } catch (InvocationTargetException e) {
                    throw e.getCause();
                  }
                });
    Errand node =
        Errand.create(
                Config.builder(flaky)
                    .clock(clock)
                    .nodeId("node-a")
                    .queue("default", 1)
                    .worker("noop", Noop.class, j -> Outcome.complete())
                    .build())
            .start();
    try {
      node.enqueue(new Noop(1), INTO_IMPORT);
      await()
          .until(
              () -> !logged(Level.DEBUG, "node node-a could not read the node registry").isEmpty());
      for (int i = 0; i < 50; i++) {
        node.enqueue(new Noop(i), INTO_IMPORT);
      }
      assertThat(reads).as("no read per enqueue until the retry is due").hasValue(1);
      assertThat(warnings("node-a")).isEmpty();

      clock.advance(Config.DEFAULT_NODE_REPORT_INTERVAL);
      node.enqueue(new Noop(51), INTO_IMPORT);

      await().until(() -> !warnings("node-a").isEmpty());
      assertThat(reads).hasValue(2);
      assertThat(warnings("node-a")).singleElement().asString().contains("queue 'import'");
      assertThat(store.jobList(JobQuery.all().withQueue("import").withLimit(100))).hasSize(52);
    } finally {
      node.stop(Duration.ofSeconds(5));
    }
  }
}
