package dev.errand.postgres;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import dev.errand.AttemptError;
import dev.errand.BatchEnqueued;
import dev.errand.Config;
import dev.errand.DependencyCounts;
import dev.errand.EnqueueOptions;
import dev.errand.EnqueueRequest;
import dev.errand.Enqueued;
import dev.errand.Errand;
import dev.errand.JobArgs;
import dev.errand.JobInfo;
import dev.errand.JobQuery;
import dev.errand.JobState;
import dev.errand.NodeInfo;
import dev.errand.Outcome;
import dev.errand.Stores;
import dev.errand.UniqueOptions;
import dev.errand.spi.JobFinishManyParams;
import dev.errand.spi.Store;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Proxy;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.postgresql.PGConnection;
import org.postgresql.PGNotification;
import org.slf4j.LoggerFactory;

/** Errand end to end on PostgreSQL: what only a real database can show. */
class PostgresEngineTest {
  record Order(long orderId) implements JobArgs {
    @Override
    public String kind() {
      return "order_placed";
    }
  }

  record Note(String note) implements JobArgs {
    @Override
    public String kind() {
      return "note";
    }
  }

  record Receipt(long orderId) implements JobArgs {
    @Override
    public String kind() {
      return "send_receipt";
    }
  }

  private final String schema = TestDatabase.newSchema("errand_engine");
  private final Set<Long> ordersWorked = ConcurrentHashMap.newKeySet();
  private final Set<Long> receiptsSent = ConcurrentHashMap.newKeySet();
  private PostgresStore store;
  private Errand errand;

  @BeforeEach
  void start() throws Exception {
    store = PostgresStore.builder(TestDatabase.pool()).schema(schema).build();
    store.migrate();
    try (Connection c = TestDatabase.pool().getConnection();
        Statement st = c.createStatement()) {
      st.execute("CREATE TABLE " + schema + ".orders (id bigint PRIMARY KEY)");
    }
    errand = startNode(Config.DEFAULT_POLL_INTERVAL);
  }

  private Errand startNode(Duration pollInterval) {
    return Errand.create(
            Config.builder(store)
                .pollInterval(pollInterval)
                .queue("default", 8)
                .worker(
                    "order_placed",
                    Order.class,
                    job -> {
                      ordersWorked.add(job.args().orderId());
                      job.enqueueOnCompletion(new Receipt(job.args().orderId()));
                      return Outcome.complete();
                    })
                .worker(
                    "send_receipt",
                    Receipt.class,
                    job -> {
                      receiptsSent.add(job.args().orderId());
                      return Outcome.complete();
                    })
                .build())
        .start();
  }

  @AfterEach
  void stop() {
    errand.stop(Duration.ofSeconds(5));
    store.close();
    TestDatabase.dropSchema(schema);
  }

  @Test
  void twoNodesOnOneSchemaSeeEachOtherInTheRegistry() {
    // A second store on the same schema: another process, as far as the database can tell.
    PostgresStore otherStore = PostgresStore.builder(TestDatabase.pool()).schema(schema).build();
    Errand other =
        Errand.create(
                Config.builder(otherStore)
                    .nodeId("importer")
                    .queue("import", 2)
                    .worker("note", Note.class, job -> Outcome.complete())
                    .build())
            .start();
    try {
      List<String> both = List.of(errand.config().nodeId(), "importer").stream().sorted().toList();
      await().until(() -> ids(errand).equals(both) && ids(other).equals(both));

      NodeInfo importer =
          errand.nodes().stream().filter(n -> n.id().equals("importer")).findFirst().orElseThrow();
      assertThat(importer.queues()).containsExactly(Map.entry("import", 2));
      assertThat(importer.kinds()).containsExactly("note");
    } finally {
      other.stop(Duration.ofSeconds(5));
      otherStore.close();
    }
    assertThat(ids(errand)).containsExactly(errand.config().nodeId());
  }

  @Test
  void anEnqueueInTheCallersTransactionIntoAQueueNoNodeWorksWarnsOnce() throws Exception {
    ListAppender<ILoggingEvent> appender = new ListAppender<>();
    Logger logger =
        (Logger) LoggerFactory.getLogger("dev.errand.internal.engine.UnworkedQueueCheck");
    appender.start();
    logger.addAppender(appender);
    try {
      EnqueueOptions intoAudit = EnqueueOptions.defaults().queue("audit");
      long first;
      try (Connection c = TestDatabase.pool().getConnection()) {
        c.setAutoCommit(false);
        first = errand.enqueue(c, new Note("signed up"), intoAudit).id();
        errand.enqueueAll(c, List.of(new Note("paid"), new Note("left")), intoAudit);
        c.commit();
      }
      String node = "This node (" + errand.config().nodeId() + ")";
      await().until(() -> !warnings(appender, node).isEmpty());
      errand.enqueue(new Note("after"), intoAudit);

      assertThat(warnings(appender, node))
          .singleElement()
          .asString()
          .containsPattern("^jobs? \\[?" + first + "[ ,\\]]")
          .contains("enqueued into queue 'audit' will wait: no live node works queue 'audit'");
    } finally {
      logger.detachAppender(appender);
    }
  }

  private static List<String> warnings(ListAppender<ILoggingEvent> appender, String text) {
    synchronized (appender) { // appends hold the appender's lock
      return appender.list.stream()
          .filter(e -> e.getLevel() == Level.WARN)
          .map(ILoggingEvent::getFormattedMessage)
          .filter(m -> m.contains(text))
          .toList();
    }
  }

  private static List<String> ids(Errand node) {
    return node.nodes().stream().map(NodeInfo::id).toList();
  }

  @Test
  void everyBatchShapeHasATwinThatJoinsTheCallersTransaction() throws Exception {
    try (Connection c = TestDatabase.pool().getConnection()) {
      c.setAutoCommit(false);
      errand.enqueueAll(c, List.of(new Order(20)));
      errand.enqueueMany(c, List.of(new EnqueueRequest(new Order(21), EnqueueOptions.defaults())));
      c.rollback();
    }
    List<Enqueued> alike;
    List<Enqueued> each;
    try (Connection c = TestDatabase.pool().getConnection()) {
      c.setAutoCommit(false);
      alike = errand.enqueueAll(c, List.of(new Order(10), new Order(11)));
      each =
          errand.enqueueMany(
              c,
              List.of(
                  new EnqueueRequest(new Order(12), EnqueueOptions.defaults()),
                  new EnqueueRequest(
                      new Note("audited"), EnqueueOptions.defaults().queue("audit").priority(2))));
      c.commit();
    }

    await().until(() -> receiptsSent.containsAll(List.of(10L, 11L, 12L)));
    assertThat(ordersWorked).containsExactlyInAnyOrder(10L, 11L, 12L);
    assertThat(alike).extracting(Enqueued::id).doesNotContainNull().doesNotHaveDuplicates();
    JobInfo note = store.jobGet(each.get(1).id()).orElseThrow();
    assertThat(note.argsJson()).isEqualTo("{\"note\":\"audited\"}");
    assertThat(note.queue()).isEqualTo("audit");
    assertThat(note.priority()).isEqualTo(2);
    assertThat(store.jobList(JobQuery.all().withKind("order_placed")))
        .extracting(JobInfo::argsJson)
        .containsExactlyInAnyOrder("{\"orderId\":10}", "{\"orderId\":11}", "{\"orderId\":12}");
  }

  @Test
  void aJobEnqueuedInARolledBackTransactionNeverExists() throws Exception {
    try (Connection c = TestDatabase.pool().getConnection()) {
      c.setAutoCommit(false);
      try (Statement st = c.createStatement()) {
        st.execute("INSERT INTO " + schema + ".orders VALUES (1)");
      }
      errand.enqueue(c, new Order(1));
      c.rollback();
    }
    // A committed order after it shows the workers are live; the rolled-back one never appears.
    enqueueOrderInTransaction(2);

    await().until(() -> receiptsSent.contains(2L));
    assertThat(ordersWorked).containsExactly(2L);
    assertThat(store.jobList(JobQuery.all().withKind("order_placed")))
        .extracting(JobInfo::argsJson)
        .containsExactly("{\"orderId\":2}");
  }

  @Test
  void aCommittedJobRunsAndWakesTheWorkersThroughNotify() throws Exception {
    // The node polls every ten minutes and an enqueue in the caller's transaction wakes no producer
    // of its own node (the job is invisible until commit): only the notification can wake it.
    errand.stop(Duration.ofSeconds(5));
    errand = startNode(Duration.ofMinutes(10));

    enqueueOrderInTransaction(7);

    await().atMost(Duration.ofSeconds(10)).until(() -> receiptsSent.contains(7L));
    List<JobInfo> jobs = store.jobList(JobQuery.all().withStates(JobState.COMPLETED));
    assertThat(jobs)
        .extracting(JobInfo::kind)
        .containsExactlyInAnyOrder("order_placed", "send_receipt");
  }

  @Test
  @SuppressWarnings("try") // the worker only has to run while the client enqueues
  void anEnqueueWhoseNotificationWasDebouncedWakesTheWorkersWithTheTrailingOne() {
    // The worker node polls every ten minutes, so only notifications can wake it. The client's
    // window is a second: its second enqueue, right after the first was worked, does not notify
    // by itself.
    Set<Long> worked = ConcurrentHashMap.newKeySet();
    EnqueueOptions debounced = EnqueueOptions.defaults().queue("debounced");
    try (PostgresStore workerStore =
            PostgresStore.builder(TestDatabase.pool()).schema(schema).build();
        PostgresStore clientStore =
            PostgresStore.builder(TestDatabase.pool())
                .schema(schema)
                .notifyWindow(Duration.ofSeconds(1))
                .build();
        Errand worker =
            Errand.create(
                    Config.builder(workerStore)
                        .pollInterval(Duration.ofMinutes(10))
                        .queue("debounced", 4)
                        .worker(
                            "order_placed",
                            Order.class,
                            job -> {
                              worked.add(job.args().orderId());
                              return Outcome.complete();
                            })
                        .build())
                .start();
        Errand client = Errand.create(Config.builder(clientStore).build())) {
      client.enqueue(new Order(1), debounced);
      await().until(() -> worked.contains(1L));

      client.enqueue(new Order(2), debounced);
      for (long i = 3; i <= 100; i++) {
        client.enqueue(new Order(i), debounced);
      }

      await().until(() -> worked.size() == 100);
    }
  }

  @Test
  void singleEnqueuesAnnounceAQueueOnceAWindowEachQueueInAWindowOfItsOwn() throws Exception {
    // A window far longer than the test: every enqueue after a queue's first falls inside it.
    try (ChannelListener listener = new ChannelListener();
        PostgresStore clientStore =
            PostgresStore.builder(TestDatabase.pool())
                .schema(schema)
                .notifyWindow(Duration.ofHours(1))
                .build();
        Errand client = Errand.create(Config.builder(clientStore).build())) {
      for (long i = 1; i <= 20; i++) {
        client.enqueue(new Order(i), EnqueueOptions.defaults().queue("mail"));
        client.enqueue(new Note("n" + i), EnqueueOptions.defaults().queue("audit"));
      }

      assertThat(listener.receivedBefore("enqueued"))
          .filteredOn(q -> q.equals("mail") || q.equals("audit"))
          .containsExactly("mail", "audit");
    }
  }

  @Test
  void aSecondEnqueueWithinTheWindowLeavesItsNotificationToTheTrailingOne() throws Exception {
    // Short enough to wait for, long enough that the second enqueue, moments after the first,
    // falls inside it. Should the machine stall between the two, the second notifies by itself
    // and sends no trailing one: either way it is announced, once, after the marker below.
    try (ChannelListener listener = new ChannelListener();
        PostgresStore clientStore =
            PostgresStore.builder(TestDatabase.pool())
                .schema(schema)
                .notifyWindow(Duration.ofMillis(500))
                .build();
        Errand client = Errand.create(Config.builder(clientStore).build())) {
      EnqueueOptions mail = EnqueueOptions.defaults().queue("mail");
      client.enqueue(new Order(1), mail);
      assertThat(listener.receivedBefore("first")).filteredOn("mail"::equals).hasSize(1);

      client.enqueue(new Order(2), mail);

      await().until(() -> listener.receivedAfter("first").contains("mail"));
      assertThat(listener.receivedBefore("announced"))
          .filteredOn("mail"::equals)
          .as("the first enqueue's notification, then one for the second")
          .hasSize(2);
    }
  }

  @Test
  void aUniqueJobIsStoredOnceWhetherEnqueuedInATransactionAloneOrInBulk() throws Exception {
    EnqueueOptions unique = EnqueueOptions.defaults().unique(UniqueOptions.byKind().byArgs());
    Enqueued first;
    try (Connection c = TestDatabase.pool().getConnection()) {
      c.setAutoCommit(false);
      first = errand.enqueue(c, new Order(5), unique);
      assertThat(errand.enqueue(c, new Order(5), unique).id()).isEqualTo(first.id());
      c.commit();
    }
    assertThat(errand.enqueue(new Order(5), unique))
        .extracting(Enqueued::id, Enqueued::duplicate)
        .containsExactly(first.id(), true);
    List<Enqueued> bulk =
        errand.enqueueAll(List.of(new Order(6), new Order(5), new Order(6)), unique);
    assertThat(bulk).extracting(Enqueued::duplicate).containsExactly(false, true, true);
    assertThat(bulk.get(1).id()).isEqualTo(first.id());
    assertThat(bulk.get(2).id()).isEqualTo(bulk.get(0).id());

    await().until(() -> receiptsSent.containsAll(List.of(5L, 6L)));
    // Completed jobs still hold their keys by default.
    assertThat(errand.enqueue(new Order(5), unique))
        .isEqualTo(new Enqueued(first.id(), JobState.COMPLETED, true));
    assertThat(store.jobList(JobQuery.all().withKind("order_placed"))).hasSize(2);
  }

  @Test
  void aBatchEnqueuedInATransactionExistsOnlyOnCommitAndItsCallbackRunsLast() throws Exception {
    try (Connection c = TestDatabase.pool().getConnection()) {
      c.setAutoCommit(false);
      errand.batch().add(new Order(1)).onFinish(new Receipt(100)).enqueue(c);
      c.rollback();
    }
    BatchEnqueued batch;
    try (Connection c = TestDatabase.pool().getConnection()) {
      c.setAutoCommit(false);
      batch =
          errand
              .batch()
              .addAll(List.of(new Order(2), new Order(3)))
              .onFinish(new Receipt(200))
              .enqueue(c);
      assertThat(store.jobGet(batch.callbackId())).as("visible before commit").isEmpty();
      c.commit();
    }

    await().until(() -> receiptsSent.contains(200L));
    assertThat(ordersWorked).containsExactlyInAnyOrder(2L, 3L);
    JobInfo callback = store.jobGet(batch.callbackId()).orElseThrow();
    assertThat(callback.dependencies()).isEqualTo(new DependencyCounts(0, 2, 0, 0));
    assertThat(batch.memberIds())
        .allSatisfy(
            id ->
                assertThat(store.jobGet(id).orElseThrow().finalizedAt())
                    .isBeforeOrEqualTo(callback.attemptedAt()));
    assertThat(store.jobList(JobQuery.all().withKind("order_placed"))).hasSize(2);
  }

  @Test
  void aStoreWithoutTransactionsRefusesTransactionalEnqueue() {
    Errand memory = Errand.create(Config.builder(Stores.inMemory()).build());

    assertThatThrownBy(() -> memory.enqueue(TestDatabase.pool().getConnection(), new Order(1)))
        .isInstanceOf(UnsupportedOperationException.class)
        .hasMessageContaining("cannot enqueue inside a database transaction");
  }

  @Test
  void aWorkersExceptionWithTextPostgresCannotStoreIsKeptSanitizedAndSparesItsBatch()
      throws Exception {
    // Without the engine replacing the NUL, the errors jsonb would refuse it and the completer
    // would retry the whole batch forever: the completed jobs in it would never be recorded.
    CountDownLatch writes = new CountDownLatch(1);
    List<List<Long>> batches = new CopyOnWriteArrayList<>();
    Set<Thread> workers = ConcurrentHashMap.newKeySet();
    EnqueueOptions queue = EnqueueOptions.defaults().queue("errors");
    Errand node =
        Errand.create(
                Config.builder(holdingFinishes(store, writes, batches))
                    .queue("errors", 8)
                    .worker(
                        "note",
                        Note.class,
                        job -> {
                          workers.add(Thread.currentThread());
                          return switch (job.args().note()) {
                            case "nul" -> throw new RuntimeException("bad\u0000byte");
                            case "lone" -> throw new RuntimeException("lone\ud800 surrogate");
                            default -> Outcome.complete();
                          };
                        })
                    .build())
            .start();
    try {
      // The first result's write waits; the five after it pile up behind it, in one batch.
      long first = node.enqueue(new Note("ok"), queue).id();
      await().until(() -> workers.size() == 1 && workers.stream().noneMatch(Thread::isAlive));
      List<Long> ids =
          node
              .enqueueAll(
                  List.of(
                      new Note("ok"),
                      new Note("nul"),
                      new Note("ok"),
                      new Note("lone"),
                      new Note("ok")),
                  queue)
              .stream()
              .map(Enqueued::id)
              .toList();
      // A worker's thread ends only after its result was handed to the completer.
      await().until(() -> workers.size() == 6 && workers.stream().noneMatch(Thread::isAlive));
      writes.countDown();

      for (long id : List.of(first, ids.get(0), ids.get(2), ids.get(4))) {
        await().until(() -> state(id) == JobState.COMPLETED);
      }
      await().until(() -> state(ids.get(1)) == JobState.RETRYABLE);
      await().until(() -> state(ids.get(3)) == JobState.RETRYABLE);
      assertThat(batches.stream().filter(b -> b.contains(ids.get(1))))
          .singleElement()
          .satisfies(batch -> assertThat(batch).containsExactlyInAnyOrderElementsOf(ids));
      AttemptError nul = store.jobGet(ids.get(1)).orElseThrow().errors().get(0);
      assertThat(nul.message()).isEqualTo("bad\uFFFDbyte");
      assertThat(nul.stackTrace()).startsWith("java.lang.RuntimeException: bad\uFFFDbyte");
      assertThat(store.jobGet(ids.get(3)).orElseThrow().errors().get(0).message())
          .isEqualTo("lone\uFFFD surrogate");
    } finally {
      writes.countDown();
      node.stop(Duration.ofSeconds(5));
    }
  }

  @Test
  void migrateIsIdempotentAndTheScriptNamesEveryObject() {
    assertThat(store.migrate()).isEmpty();
    String script = store.migrationSql();
    assertThat(script)
        .contains("CREATE SCHEMA IF NOT EXISTS " + schema)
        .contains("CREATE TABLE " + schema + ".job")
        .contains("job_fetch_idx")
        .contains("job_unique_idx")
        .doesNotContain("{schema}");
  }

  /**
   * A LISTEN connection of the test's own on the store's channel, recording every payload in the
   * order received. PostgreSQL delivers the notifications of different transactions in the order
   * they committed, so a marker the test sends after a call returned follows every notification
   * that call committed.
   */
  private final class ChannelListener implements AutoCloseable {
    private final String channel = "errand_" + schema;
    private final Connection connection;
    private final List<String> received = new ArrayList<>();

    ChannelListener() throws SQLException {
      connection = TestDatabase.pool().getConnection();
      try (Statement st = connection.createStatement()) {
        st.execute("LISTEN \"" + channel + "\"");
      }
    }

    /** Sends {@code marker}, waits until it arrives, and returns what arrived before it. */
    List<String> receivedBefore(String marker) throws SQLException {
      try (Connection c = TestDatabase.pool().getConnection();
          PreparedStatement ps = c.prepareStatement("SELECT pg_notify(?, ?)")) {
        ps.setString(1, channel);
        ps.setString(2, marker);
        ps.executeQuery().close();
      }
      await().until(() -> received().contains(marker));
      List<String> all = received();
      return all.subList(0, all.indexOf(marker));
    }

    /** What arrived after {@code marker}, which the test sent earlier. */
    List<String> receivedAfter(String marker) throws SQLException {
      List<String> all = received();
      return all.subList(all.indexOf(marker) + 1, all.size());
    }

    // Awaitility calls this on a thread of its own.
    private synchronized List<String> received() throws SQLException {
      PGNotification[] notifications = connection.unwrap(PGConnection.class).getNotifications(10);
      if (notifications != null) {
        for (PGNotification n : notifications) {
          received.add(n.getParameter());
        }
      }
      return List.copyOf(received);
    }

    @Override
    public void close() throws SQLException {
      try (Statement st = connection.createStatement()) {
        st.execute("UNLISTEN *"); // the connection goes back to the shared pool
      } finally {
        connection.close();
      }
    }
  }

  private JobState state(long id) {
    return store.jobGet(id).orElseThrow().state();
  }

  /** {@code store}, with every result write held until {@code writes} opens, each recorded. */
  private static Store holdingFinishes(
      Store store, CountDownLatch writes, List<List<Long>> batches) {
    return (Store)
        Proxy.newProxyInstance(
            Store.class.getClassLoader(),
            new Class<?>[] {Store.class},
            (proxy, method, args) -> {
              if (method.getName().equals("jobFinishMany")) {
                writes.await();
                batches.add(
                    ((JobFinishManyParams) args[0])
                        .results().stream().map(r -> r.ref().id()).toList());
              }
              try {
                return method.invoke(store, args);
              } catch (InvocationTargetException e) {
                throw e.getCause();
              }
            });
  }

  private void enqueueOrderInTransaction(long orderId) throws Exception {
    try (Connection c = TestDatabase.pool().getConnection()) {
      c.setAutoCommit(false);
      try (Statement st = c.createStatement()) {
        st.execute("INSERT INTO " + schema + ".orders VALUES (" + orderId + ")");
      }
      errand.enqueue(c, new Order(orderId));
      c.commit();
    }
  }
}
