package dev.errand.contract;

import static dev.errand.JobState.AVAILABLE;
import static dev.errand.JobState.RETRYABLE;
import static dev.errand.JobState.RUNNING;
import static dev.errand.JobState.SCHEDULED;
import static java.util.concurrent.TimeUnit.SECONDS;
import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.errand.Enqueued;
import dev.errand.JobInfo;
import dev.errand.JobQuery;
import dev.errand.JobState;
import dev.errand.spi.Capability;
import dev.errand.spi.JobInsertManyParams;
import java.sql.Connection;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * TransactionalUniqueness, an area of the {@link StoreContract}: a key inserted in an open
 * transaction makes others wait; a rollback frees it. Needs {@code TX_ENQUEUE} and {@code
 * UNIQUE_JOBS}.
 */
abstract class TransactionalUniquenessContract extends ContractFixtures {

  private final JobState[] live = {SCHEDULED, AVAILABLE, RUNNING, RETRYABLE};

  @BeforeEach
  void requireTxEnqueueAndUniqueJobs() {
    assumeTrue(
        store.capabilities().contains(Capability.TX_ENQUEUE)
            && store.capabilities().contains(Capability.UNIQUE_JOBS),
        "the store does not declare both TX_ENQUEUE and UNIQUE_JOBS");
  }

  @Test
  void aKeyInsertedInAnOpenTransactionMakesOthersWaitThenAnswersItsId() throws Exception {
    ExecutorService other = Executors.newSingleThreadExecutor();
    try (Connection c = openConnection()) {
      c.setAutoCommit(false);
      Enqueued mine =
          store
              .jobInsertMany(
                  c,
                  new JobInsertManyParams(List.of(job().unique(key(1), live).build(now())), now()))
              .get(0);
      assertThat(
              store
                  .jobInsertMany(
                      c,
                      new JobInsertManyParams(
                          List.of(job().unique(key(1), live).build(now())), now()))
                  .get(0))
          .as("same transaction")
          .isEqualTo(new Enqueued(mine.id(), AVAILABLE, true));
      Future<Enqueued> theirs = other.submit(() -> insert(job().unique(key(1), live)).get(0));

      c.commit();

      assertThat(theirs.get(PATIENCE.toSeconds(), SECONDS))
          .isEqualTo(new Enqueued(mine.id(), AVAILABLE, true));
    } finally {
      other.shutdownNow();
    }
    assertThat(listAll(JobQuery.all())).hasSize(1);
  }

  @Test
  void aRolledBackTransactionLeavesTheKeyFree() throws Exception {
    try (Connection c = openConnection()) {
      c.setAutoCommit(false);
      store.jobInsertMany(
          c, new JobInsertManyParams(List.of(job().unique(key(1), live).build(now())), now()));
      c.rollback();
    }

    Enqueued again = insert(job().unique(key(1), live)).get(0);

    assertThat(again.duplicate()).isFalse();
    assertThat(listAll(JobQuery.all())).extracting(JobInfo::id).containsExactly(again.id());
  }
}
