package dev.errand.postgres.multiprocess;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.zaxxer.hikari.HikariDataSource;
import dev.errand.EnqueueOptions;
import dev.errand.Errand;
import dev.errand.StoreException;
import dev.errand.postgres.TestDatabase;
import dev.errand.postgres.multiprocess.WorkerNode.Work;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * PostgreSQL stops and starts again while callers enqueue jobs inside their own transactions, on
 * several threads, without pause: a committed transaction's jobs all exist, once, and run; a failed
 * one's do not exist.
 *
 * <p>A commit that threw may still have committed (the server wrote it, then its answer was lost in
 * the shutdown). So each transaction also inserts a marker row of its own, and the marker, read
 * after the restart, says whether it committed: its jobs must exist exactly when its marker does. A
 * commit that returned must have left its marker; a transaction that failed before its commit must
 * not.
 *
 * <p>Such a commit is also made to happen, not left to chance: the server waits for a synchronous
 * standby that does not exist, and one transaction asks for it, so that its commit, written
 * locally, hangs for an acknowledgement until the server is stopped under it. PostgreSQL documents
 * that such a transaction is committed when the server comes back; its caller saw its commit throw.
 * Its jobs are scheduled a moment ahead, so that its enqueue sends no notification: a transaction
 * that notified keeps PostgreSQL's lock on the notification queue while it waits, and every other
 * caller's commit, which notifies too, queued behind it (seen here), so that the outage hit no
 * caller in the middle of its enqueues.
 */
class TransactionalEnqueueRestartTest {
  private static final int CALLERS = 4;

  /** Committed transactions before the database stops: the callers are in full swing by then. */
  private static final int COMMITTED_BEFORE = 40;

  /** Transactions each caller commits after the restart before the callers stop. */
  private static final int COMMITTED_AFTER_EACH = 5;

  /** As in {@link DatabaseRestartTest}: the worker's leases outlast the outage. */
  private static final Duration LEASE = Duration.ofSeconds(20);

  /**
   * Each transaction's jobs are {@code Work(tx * JOB_SPACE + i)}, so a job names its transaction.
   */
  private static final int JOB_SPACE = 10;

  private static final EnqueueOptions OPTIONS = EnqueueOptions.defaults().queue(WorkerNode.QUEUE);

  /** How each caller transaction ended, as its caller saw it. */
  private enum Outcome {
    /** {@code commit()} returned. */
    COMMITTED,
    /** Something before {@code commit()} threw: the transaction never committed. */
    FAILED,
    /** {@code commit()} threw: the transaction may have committed or not. */
    IN_DOUBT
  }

  private PrivatePostgres postgres;
  private Cluster cluster;
  private HikariDataSource callerPool;
  private final List<Thread> callers = new ArrayList<>();
  private volatile boolean stopCallers;

  @AfterEach
  void tearDown() throws Exception {
    stopCallers = true;
    for (Thread caller : callers) {
      caller.join(Duration.ofSeconds(30));
    }
    try {
      if (callerPool != null) {
        callerPool.close();
      }
      if (cluster != null) {
        cluster.close();
      }
    } finally {
      if (postgres != null) {
        postgres.close();
      }
    }
  }

  @Test
  void everyCommittedTransactionsJobsRunOnceAndNoFailedOnesExist() throws Exception {
    long start = System.nanoTime();
    postgres = PrivatePostgres.start();
    cluster = new Cluster(postgres.url(), "errand_mp_tx_restart");
    String marker = cluster.table("tx_marker");
    cluster.update("CREATE TABLE " + marker + " (tx int PRIMARY KEY)");
    // No transaction waits for the standby but the one that asks for it (see the class comment).
    cluster.update("ALTER SYSTEM SET synchronous_commit = 'local'");
    cluster.update("ALTER SYSTEM SET synchronous_standby_names = 'errand_no_such_standby'");
    cluster.update("SELECT pg_reload_conf()");
    NodeProcess node = cluster.startNode("w", 8, LEASE, Duration.ofSeconds(2), "noop");

    // A read that never returns (a connection the outage left half open) fails after 15 s rather
    // than hold its caller for good; the commit that waits for the standby ends at the stop.
    String url = postgres.url();
    // While the server is down a caller waits at most 1 s for a connection, then fails its
    // transaction and begins the next one.
    callerPool =
        TestDatabase.newPool(
            url + (url.contains("?") ? "&" : "?") + "socketTimeout=15",
            CALLERS,
            Duration.ofSeconds(1));
    Errand errand = cluster.client();
    AtomicInteger nextTx = new AtomicInteger();
    Map<Integer, Outcome> outcomes = new ConcurrentHashMap<>();
    ConcurrentLinkedQueue<Exception> errors = new ConcurrentLinkedQueue<>();
    AtomicInteger[] commits = counters();
    AtomicInteger[] failures = counters();
    for (int i = 0; i < CALLERS; i++) {
      int caller = i;
      callers.add(
          Thread.ofPlatform()
              .name("caller-" + caller)
              .start(
                  () -> {
                    while (!stopCallers) {
                      int tx = nextTx.getAndIncrement();
                      Outcome outcome = transaction(errand, marker, tx, false, errors);
                      outcomes.put(tx, outcome);
                      (outcome == Outcome.COMMITTED ? commits : failures)[caller].incrementAndGet();
                    }
                  }));
    }

    await("transactions committed before the outage")
        .atMost(Duration.ofSeconds(30))
        .pollInterval(Duration.ofMillis(20))
        .until(() -> sum(commits) >= COMMITTED_BEFORE);
    int hangingTx = nextTx.getAndIncrement();
    callers.add(
        Thread.ofPlatform()
            .name("caller-in-doubt")
            .start(
                () ->
                    outcomes.put(hangingTx, transaction(errand, marker, hangingTx, true, errors))));
    await("a commit waiting for the standby")
        .atMost(Duration.ofSeconds(30))
        .pollInterval(Duration.ofMillis(20))
        .until(
            () ->
                cluster.queryLong(
                        "SELECT count(*) FROM pg_stat_activity WHERE wait_event = 'SyncRep'")
                    == 1);
    postgres.stop();
    long stopped = System.nanoTime();
    int[] failuresAtStop = snapshot(failures);
    // Each caller went on trying while the server was down: each saw the transaction under way
    // fail, then one more that could not get a connection at all.
    try {
      await("every caller failed twice during the outage")
          .atMost(Duration.ofSeconds(30))
          .pollInterval(Duration.ofMillis(20))
          .until(() -> allGrewBy(failures, failuresAtStop, 2));
    } catch (org.awaitility.core.ConditionTimeoutException e) {
      StringBuilder where = new StringBuilder("where the callers are:");
      for (Thread caller : callers) {
        where
            .append("\n")
            .append(caller.getName())
            .append(" (")
            .append(caller.getState())
            .append(')');
        for (StackTraceElement frame : caller.getStackTrace()) {
          where.append("\n    at ").append(frame);
        }
      }
      throw new AssertionError(
          "callers' failures "
              + java.util.Arrays.toString(snapshot(failures))
              + " from "
              + java.util.Arrays.toString(failuresAtStop)
              + "; "
              + where,
          e);
    }
    postgres.restart();
    long restarted = System.nanoTime();
    int[] commitsAtRestart = snapshot(commits);
    await("every caller committing again after the restart")
        .atMost(Duration.ofSeconds(30))
        .pollInterval(Duration.ofMillis(20))
        .until(() -> allGrewBy(commits, commitsAtRestart, COMMITTED_AFTER_EACH));
    stopCallers = true;
    for (Thread caller : callers) {
      caller.join(Duration.ofSeconds(30));
      assertThat(caller.isAlive()).as(caller.getName() + " still runs").isFalse();
    }
    callers.clear();

    cluster.awaitAllFinished(Duration.ofSeconds(60), List.of(node));
    assertThat(node.stop(Duration.ofSeconds(20))).as("exit code of the worker").isZero();

    Map<Outcome, Long> byOutcome =
        outcomes.values().stream()
            .collect(
                Collectors.groupingBy(Function.identity(), TreeMap::new, Collectors.counting()));
    assertThat(errors)
        .as("why transactions failed: the store or the driver, never anything else")
        .allMatch(e -> e instanceof StoreException || e instanceof SQLException);
    assertThat(
            byOutcome.getOrDefault(Outcome.FAILED, 0L)
                + byOutcome.getOrDefault(Outcome.IN_DOUBT, 0L))
        .as("failed transactions")
        .isGreaterThanOrEqualTo(2 * CALLERS);
    List<Integer> markers =
        cluster.queryRows("SELECT tx FROM " + marker + " ORDER BY tx").stream()
            .map(row -> Integer.parseInt(row.get(0)))
            .toList();
    List<Integer> committed = txsWith(outcomes, Outcome.COMMITTED);
    List<Integer> failed = txsWith(outcomes, Outcome.FAILED);
    List<Integer> inDoubt = txsWith(outcomes, Outcome.IN_DOUBT);
    assertThat(markers).as("transactions committed").containsAll(committed);
    assertThat(markers)
        .as("transactions failed before their commit")
        .doesNotContainAnyElementsOf(failed);
    List<Integer> inDoubtCommitted = inDoubt.stream().filter(markers::contains).toList();
    assertThat(outcomes.get(hangingTx))
        .as("the commit that waited for the standby")
        .isEqualTo(Outcome.IN_DOUBT);
    assertThat(inDoubtCommitted).as("in-doubt transactions that committed").contains(hangingTx);

    // Each transaction's jobs, by the transaction their args name: exactly those of the
    // transactions that committed, each once, and all completed.
    Map<Integer, Integer> expected = new TreeMap<>();
    markers.forEach(tx -> expected.put(tx, jobsOf(tx)));
    Map<Integer, Integer> found = new TreeMap<>();
    Map<Integer, Integer> completed = new TreeMap<>();
    for (List<String> row :
        cluster.queryRows(
            "SELECT (args->>'n')::int / "
                + JOB_SPACE
                + ", count(*), count(*) FILTER (WHERE state = 'completed'),"
                + " count(DISTINCT (args->>'n')::int) FROM "
                + cluster.table("job")
                + " GROUP BY 1")) {
      int tx = Integer.parseInt(row.get(0));
      assertThat(row.get(3)).as("distinct jobs of transaction " + tx).isEqualTo(row.get(1));
      found.put(tx, Integer.parseInt(row.get(1)));
      completed.put(tx, Integer.parseInt(row.get(2)));
    }
    assertThat(found.keySet())
        .as("transactions with jobs (extra elements: jobs of transactions that did not commit)")
        .isSubsetOf(expected.keySet());
    assertThat(expected.keySet())
        .as("committed transactions (extra elements: those whose jobs are missing)")
        .isSubsetOf(found.keySet());
    assertThat(found).as("jobs by transaction").containsExactlyEntriesOf(expected);
    assertThat(completed).as("completed jobs by transaction").containsExactlyEntriesOf(expected);
    // The worker's leases outlasted the outage: each job ran once.
    assertThat(
            cluster.queryRows(
                "SELECT j.id, count(e.*) FROM "
                    + cluster.table("job")
                    + " j LEFT JOIN "
                    + cluster.table(Cluster.EXECUTION_TABLE)
                    + " e ON e.job_id = j.id GROUP BY j.id HAVING count(e.*) <> 1 LIMIT 10"))
        .as("jobs not executed exactly once")
        .isEmpty();

    System.out.printf(
        "TransactionalEnqueueRestartTest: %d callers (and one waiting for the standby), %d"
            + " transactions %s; in doubt %s, of which committed %s; %d jobs committed; server"
            + " down %d ms; exceptions %s; total %d ms%n",
        CALLERS,
        outcomes.size(),
        byOutcome,
        inDoubt,
        inDoubtCommitted,
        expected.values().stream().mapToInt(Integer::intValue).sum(),
        (restarted - stopped) / 1_000_000,
        errors.stream()
            .map(e -> e.getClass().getSimpleName())
            .collect(
                Collectors.groupingBy(Function.identity(), TreeMap::new, Collectors.counting())),
        (System.nanoTime() - start) / 1_000_000);
  }

  /**
   * One caller transaction: enqueues {@link #jobsOf(int)} jobs, writes the transaction's marker,
   * commits; even ones enqueue job by job, odd ones all at once. With {@code waitForStandby} the
   * jobs are scheduled a second ahead and the commit waits for the synchronous standby, which never
   * answers.
   */
  private Outcome transaction(
      Errand errand,
      String marker,
      int tx,
      boolean waitForStandby,
      ConcurrentLinkedQueue<Exception> errors) {
    Outcome outcome = Outcome.FAILED;
    try (Connection c = callerPool.getConnection()) {
      c.setAutoCommit(false);
      List<Work> jobs =
          IntStream.range(0, jobsOf(tx)).mapToObj(i -> new Work(tx * JOB_SPACE + i)).toList();
      EnqueueOptions options = waitForStandby ? OPTIONS.runIn(Duration.ofSeconds(1)) : OPTIONS;
      if (tx % 2 == 0) {
        jobs.forEach(job -> errand.enqueue(c, job, options));
      } else {
        errand.enqueueAll(c, jobs, options);
      }
      try (PreparedStatement ps = c.prepareStatement("INSERT INTO " + marker + " VALUES (?)")) {
        ps.setInt(1, tx);
        ps.executeUpdate();
      }
      if (waitForStandby) {
        try (Statement st = c.createStatement()) {
          st.execute("SET LOCAL synchronous_commit = on");
        }
      }
      outcome = Outcome.IN_DOUBT;
      c.commit();
      outcome = Outcome.COMMITTED;
    } catch (Exception e) {
      // Also when giving the connection back failed: the outcome is what the commit said.
      errors.add(e);
    }
    return outcome;
  }

  private static int jobsOf(int tx) {
    return tx % 2 == 0 ? 2 : 3;
  }

  private static List<Integer> txsWith(Map<Integer, Outcome> outcomes, Outcome outcome) {
    return outcomes.entrySet().stream()
        .filter(e -> e.getValue() == outcome)
        .map(Map.Entry::getKey)
        .sorted()
        .toList();
  }

  private static AtomicInteger[] counters() {
    AtomicInteger[] counters = new AtomicInteger[CALLERS];
    for (int i = 0; i < CALLERS; i++) {
      counters[i] = new AtomicInteger();
    }
    return counters;
  }

  private static int[] snapshot(AtomicInteger[] counters) {
    int[] values = new int[counters.length];
    for (int i = 0; i < counters.length; i++) {
      values[i] = counters[i].get();
    }
    return values;
  }

  private static boolean allGrewBy(AtomicInteger[] counters, int[] from, int by) {
    for (int i = 0; i < counters.length; i++) {
      if (counters[i].get() < from[i] + by) {
        return false;
      }
    }
    return true;
  }

  private static int sum(AtomicInteger[] counters) {
    int sum = 0;
    for (AtomicInteger counter : counters) {
      sum += counter.get();
    }
    return sum;
  }
}
