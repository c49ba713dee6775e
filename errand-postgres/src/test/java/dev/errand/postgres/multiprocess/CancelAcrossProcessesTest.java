package dev.errand.postgres.multiprocess;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.errand.EnqueueOptions;
import dev.errand.Errand;
import dev.errand.JobInfo;
import dev.errand.JobState;
import dev.errand.postgres.TestDatabase;
import dev.errand.postgres.multiprocess.WorkerNode.Block;
import dev.errand.postgres.multiprocess.WorkerNode.Work;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * A job running in a worker JVM is cancelled from this JVM, through an Errand of its own on the
 * same schema: the worker learns of it at its next heartbeat and interrupts the job, whose result
 * (a {@code complete}) is ignored; the job stays cancelled and never runs again. A second job,
 * cancelled while it waited behind the first on the worker's single slot, never starts.
 */
class CancelAcrossProcessesTest {
  /**
   * Far longer than the test: no lease expires, so nothing but the cancellation can stop the job (a
   * rescue would leave it retryable, with a {@code lease_expired} error, and run it again).
   */
  private static final Duration LEASE = Duration.ofMinutes(2);

  /** How often the worker renews its leases, and so learns that one was cancelled. */
  private static final Duration HEARTBEAT = Duration.ofMillis(500);

  private static final EnqueueOptions OPTIONS = EnqueueOptions.defaults().queue(WorkerNode.QUEUE);

  private Cluster cluster;

  @AfterEach
  void tearDown() {
    if (cluster != null) {
      cluster.close();
    }
  }

  @Test
  void cancellingARunningJobFromAnotherProcessInterruptsItAndIgnoresItsResult() throws Exception {
    long start = System.nanoTime();
    cluster = new Cluster(TestDatabase.url(), "errand_mp_cancel");
    String job = cluster.table("job");
    String execution = cluster.table(Cluster.EXECUTION_TABLE);
    String interruption = cluster.table(Cluster.INTERRUPTION_TABLE);
    // One slot: a job that waits behind the running one starts only once the running one's slot
    // is free, that is, once its result was dropped.
    NodeProcess node = cluster.startNode("A", 1, LEASE, HEARTBEAT, "noop");
    Errand errand = cluster.client();

    long running = errand.enqueue(new Block(1), OPTIONS).id();
    await("the job running on A")
        .atMost(Duration.ofSeconds(30))
        .pollInterval(Duration.ofMillis(50))
        .until(() -> cluster.queryLong(count(execution, running)) == 1);
    long waiting = errand.enqueue(new Block(2), OPTIONS).id();
    assertThat(errand.jobs().get(running))
        .get()
        .extracting(JobInfo::state, JobInfo::leaseOwner)
        .containsExactly(JobState.RUNNING, "A");

    // The waiting job first: whether A claimed it already (running, held for the slot) or not
    // (available), it must never start.
    JobState waitingWas = errand.jobs().get(waiting).orElseThrow().state();
    assertThat(errand.jobs().cancel(waiting))
        .get()
        .extracting(JobInfo::state)
        .isEqualTo(JobState.CANCELLED);
    long cancelledAt = System.nanoTime();
    JobInfo cancelled = errand.jobs().cancel(running).orElseThrow();
    assertThat(cancelled.state()).isEqualTo(JobState.CANCELLED);
    await("A interrupting the cancelled job")
        .atMost(Duration.ofSeconds(30))
        .pollInterval(Duration.ofMillis(50))
        .failFast("A died", () -> !node.isAlive())
        .until(() -> cluster.queryLong(count(interruption, running)) == 1);
    long interrupted = System.nanoTime();

    // A probe behind them in A's single slot: once it ran, the cancelled job's slot was freed
    // (after its result was dropped), and A went on claiming, which did not start the cancelled
    // jobs again.
    long probe = errand.enqueue(new Work(3), OPTIONS).id();
    await("the probe completed")
        .atMost(Duration.ofSeconds(30))
        .pollInterval(Duration.ofMillis(50))
        .failFast("A died", () -> !node.isAlive())
        .until(
            () ->
                cluster.queryLong(
                        "SELECT count(*) FROM "
                            + job
                            + " WHERE id = "
                            + probe
                            + " AND state = 'completed'")
                    == 1);
    assertThat(node.stop(Duration.ofSeconds(20))).as("exit code of A").isZero();

    JobInfo after = errand.jobs().get(running).orElseThrow();
    assertThat(after.state()).as("state of the cancelled job").isEqualTo(JobState.CANCELLED);
    assertThat(after.attempt()).as("attempts of the cancelled job").isEqualTo(1);
    assertThat(after.finalizedAt()).isEqualTo(cancelled.finalizedAt());
    assertThat(after.leaseOwner()).isNull();
    assertThat(after.errors())
        .singleElement()
        .satisfies(
            e -> {
              assertThat(e.errorClass()).isEqualTo("cancelled");
              assertThat(e.message()).isEqualTo("cancelled by request");
            });
    assertThat(errand.jobs().get(waiting).orElseThrow().state()).isEqualTo(JobState.CANCELLED);
    // Who ran what: the cancelled running job once, interrupted there; the waiting one never.
    assertThat(
            cluster.queryRows(
                "SELECT job_id, attempt, node FROM " + execution + " ORDER BY job_id"))
        .as("executions: job, attempt, node")
        .containsExactly(
            List.of(Long.toString(running), "1", "A"), List.of(Long.toString(probe), "1", "A"));
    assertThat(cluster.queryRows("SELECT job_id, attempt, node FROM " + interruption))
        .as("interruptions: job, attempt, node")
        .containsExactly(List.of(Long.toString(running), "1", "A"));

    System.out.printf(
        "CancelAcrossProcessesTest: the job running on A interrupted %d ms after its cancel"
            + " (heartbeat %d ms); the waiting job was %s when cancelled; total %d ms%n",
        (interrupted - cancelledAt) / 1_000_000,
        HEARTBEAT.toMillis(),
        waitingWas,
        (System.nanoTime() - start) / 1_000_000);
  }

  private static String count(String table, long id) {
    return "SELECT count(*) FROM " + table + " WHERE job_id = " + id;
  }
}
