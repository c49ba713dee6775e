package dev.errand.contract;

import static dev.errand.JobState.AVAILABLE;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.errand.Enqueued;
import dev.errand.JobInfo;
import dev.errand.JobQuery;
import dev.errand.spi.Capability;
import dev.errand.spi.JobInsertManyParams;
import dev.errand.spi.Notifier;
import java.sql.Connection;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * TransactionalEnqueue, an area of the {@link StoreContract}: jobs inserted on the caller's
 * connection appear at its commit, runnable and announced, and never after a rollback. Needs {@code
 * TX_ENQUEUE}.
 */
abstract class TransactionalEnqueueContract extends ContractFixtures {

  @BeforeEach
  void requireTxEnqueue() {
    assumeTrue(
        store.capabilities().contains(Capability.TX_ENQUEUE),
        "the store does not declare TX_ENQUEUE");
  }

  @Test
  void aRolledBackTransactionLeavesNoJob() throws Exception {
    try (Connection c = openConnection()) {
      c.setAutoCommit(false);
      List<Enqueued> inserted =
          store.jobInsertMany(c, new JobInsertManyParams(List.of(job().build(now())), now()));
      assertThat(inserted).hasSize(1);
      c.rollback();
    }

    assertThat(store.jobList(JobQuery.all())).isEmpty();
    assertThat(fetch(QUEUE, 10)).isEmpty();
  }

  @Test
  void jobsAreInvisibleUntilCommitThenRunnableAndAnnounced() throws Exception {
    Listener listener = new Listener();
    Optional<Notifier> notifier = store.notifier();
    notifier.ifPresent(n -> listener.subscription = n.subscribe(listener));
    try (Connection c = openConnection()) {
      c.setAutoCommit(false);
      long id =
          store
              .jobInsertMany(
                  c, new JobInsertManyParams(List.of(job().queue("tx").build(now())), now()))
              .get(0)
              .id();
      assertThat(store.jobGet(id)).as("visible before commit").isEmpty();

      c.commit();

      assertThat(get(id).state()).isEqualTo(AVAILABLE);
      assertThat(fetch("tx", 10)).extracting(JobInfo::id).containsExactly(id);
    }
    if (notifier.isPresent()) {
      await().atMost(WAKE_UP).untilAsserted(() -> assertThat(listener.seen).contains("tx"));
      listener.subscription.close();
    }
  }
}
