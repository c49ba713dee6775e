package dev.errand.contract;

import dev.errand.spi.Capability;
import dev.errand.spi.Store;
import java.sql.Connection;
import java.sql.SQLException;
import org.junit.jupiter.api.Nested;

/**
 * The contract every {@link Store} must pass: the semantics the SPI's Javadoc promises, checked the
 * same way for every backend.
 *
 * <p>A store's test extends this class and implements {@link #createStore()}, which makes a new,
 * empty store for each test; a store that declares {@link Capability#TX_ENQUEUE} also overrides
 * {@link #openConnection()}. {@code MemoryStoreContractTest} is the shortest example, {@code
 * SqliteStoreContractTest} gives each test a file of its own, {@code PostgresStoreContractTest} a
 * schema of its own. This class holds no store: each area makes one through {@link #createStore()}
 * before each test and closes it after, before the {@code @AfterEach} methods of the store's test
 * run, so these may drop what {@link #createStore()} made.
 *
 * <p>The store never reads a clock: every time comes from the test's {@link ManualClock}, which
 * moves only when the test moves it. Features a store may lack are skipped with {@code
 * assumeTrue(capabilities...)}; the areas that need a {@link Capability} say so below.
 *
 * <p>This class is a table of contents: a {@link Nested} class per area, each running one file's
 * tests ({@code InsertContract} for {@code Insert} …) on this test's stores. What the areas share
 * (the test's store and clock, job specs, helpers that insert, fetch and finish jobs) is in {@link
 * ContractFixtures}. The areas:
 *
 * <ul>
 *   <li>{@link InsertContract Insert}: one call stores many jobs, every field as given and args
 *       byte for byte; a job due later is scheduled, one due now available; ids increase in
 *       insertion order.
 *   <li>{@link FetchContract Fetch}: a claim takes only available jobs of its queue, at most its
 *       limit, in order of priority, run time and id, each under a lease that starts its next
 *       attempt; kind filters; paused queues.
 *   <li>{@link FinishContract Finish}: a running job completed, failed (retryable or discarded),
 *       snoozed, cancelled by its worker or released; many results in one call.
 *   <li>{@link FencingContract Fencing}: only the current attempt writes a result or extends its
 *       lease; a heartbeat reports the jobs its owner no longer holds.
 *   <li>{@link LeasesAndRescueContract LeasesAndRescue}: an expired lease makes its job retryable
 *       in its old place, or discarded at its last attempt; a heartbeat puts the rescue off; the
 *       stale holder is fenced out.
 *   <li>{@link StagingContract Staging}: scheduled and retryable jobs become available at their
 *       time and not before, up to a limit, counted per queue.
 *   <li>{@link ImportContract Import}: jobs brought from another store keep their fields and
 *       history, are stored once per origin key, and run on from their attempt.
 *   <li>{@link PruneContract Prune}: final jobs finalized before their state's cut-off are deleted,
 *       at most a limit per call; no other job ever is.
 *   <li>{@link ViewsContract Views}: get, list (filters and pages), cancel, retry and delete, one
 *       job at a time.
 *   <li>{@link QueuesContract Queues}: the queue list with each queue's count per state; pause and
 *       resume, idempotent, even of a queue the store has never seen.
 *   <li>{@link NotifyContract Notify}: inserting, staging and resuming wake the queue's
 *       subscribers. Needs {@code LISTEN_NOTIFY}.
 *   <li>{@link ConcurrencyContract Concurrency}: many threads at once: competing fetchers never get
 *       the same job, every job runs exactly once, a cancel or rescue racing a completion has one
 *       winner.
 *   <li>{@link BulkContract Bulk}: ten thousand jobs in one insert, in id order, counted per queue
 *       and state.
 *   <li>{@link FollowUpsContract FollowUps}: follow-up jobs are written with their parent's
 *       completion, and not at all if it is fenced out.
 *   <li>{@link TransactionalEnqueueContract TransactionalEnqueue}: jobs inserted on the caller's
 *       connection appear at its commit, runnable and announced, and never after a rollback. Needs
 *       {@code TX_ENQUEUE}.
 *   <li>{@link UniquenessContract Uniqueness}: a job whose key is held is not stored and answers
 *       the holder's id; the states that hold a key; racing inserts of one key. Needs {@code
 *       UNIQUE_JOBS}.
 *   <li>{@link TransactionalUniquenessContract TransactionalUniqueness}: a key inserted in an open
 *       transaction makes others wait; a rollback frees it. Needs {@code TX_ENQUEUE} and {@code
 *       UNIQUE_JOBS}.
 *   <li>{@link DependenciesContract Dependencies}: a dependent is pending until its dependencies
 *       ended, then available or cancelled as its policy says. Needs {@code DEPENDENCIES}.
 *   <li>{@link BatchesContract Batches}: a batch's callback becomes available once every member
 *       ended, with their counts, exactly once. Needs {@code DEPENDENCIES}.
 *   <li>{@link LeadershipContract Leadership}: one leader per name at a time, until its term ends
 *       or it resigns.
 *   <li>{@link NodesContract Nodes}: a node's report is listed until it expires; removing and
 *       pruning entries. Needs {@code NODE_REGISTRY}.
 *   <li>{@link MigrationsContract Migrations}: a store that keeps tables has {@link
 *       Store#migrations()}: once migrated nothing is left to apply, and its script holds the
 *       migrations after a version; a store without them works as it comes.
 * </ul>
 *
 * <p>A new area is a new {@code ...Contract extends ContractFixtures} file and a nested class here
 * that passes it this test's stores.
 */
public abstract class StoreContract {

  /**
   * A new, empty store, independent of every other store this method returned (its own schema,
   * database or key prefix), so that tests may run in parallel. Closed after each test.
   */
  protected abstract Store createStore();

  /**
   * A new connection to the database of the store {@link #createStore()} made last, for the
   * transactional-enqueue tests of stores that declare {@link Capability#TX_ENQUEUE}. The test
   * closes it.
   */
  protected Connection openConnection() throws SQLException {
    throw new UnsupportedOperationException(
        getClass().getSimpleName() + " declares TX_ENQUEUE but does not override openConnection()");
  }

  @Nested
  class Insert extends InsertContract {
    @Override
    protected Store createStore() {
      return StoreContract.this.createStore();
    }

    @Override
    protected Connection openConnection() throws SQLException {
      return StoreContract.this.openConnection();
    }
  }

  @Nested
  class Fetch extends FetchContract {
    @Override
    protected Store createStore() {
      return StoreContract.this.createStore();
    }

    @Override
    protected Connection openConnection() throws SQLException {
      return StoreContract.this.openConnection();
    }
  }

  @Nested
  class Finish extends FinishContract {
    @Override
    protected Store createStore() {
      return StoreContract.this.createStore();
    }

    @Override
    protected Connection openConnection() throws SQLException {
      return StoreContract.this.openConnection();
    }
  }

  @Nested
  class Fencing extends FencingContract {
    @Override
    protected Store createStore() {
      return StoreContract.this.createStore();
    }

    @Override
    protected Connection openConnection() throws SQLException {
      return StoreContract.this.openConnection();
    }
  }

  @Nested
  class LeasesAndRescue extends LeasesAndRescueContract {
    @Override
    protected Store createStore() {
      return StoreContract.this.createStore();
    }

    @Override
    protected Connection openConnection() throws SQLException {
      return StoreContract.this.openConnection();
    }
  }

  @Nested
  class Staging extends StagingContract {
    @Override
    protected Store createStore() {
      return StoreContract.this.createStore();
    }

    @Override
    protected Connection openConnection() throws SQLException {
      return StoreContract.this.openConnection();
    }
  }

  @Nested
  class Import extends ImportContract {
    @Override
    protected Store createStore() {
      return StoreContract.this.createStore();
    }

    @Override
    protected Connection openConnection() throws SQLException {
      return StoreContract.this.openConnection();
    }
  }

  @Nested
  class Prune extends PruneContract {
    @Override
    protected Store createStore() {
      return StoreContract.this.createStore();
    }

    @Override
    protected Connection openConnection() throws SQLException {
      return StoreContract.this.openConnection();
    }
  }

  @Nested
  class Views extends ViewsContract {
    @Override
    protected Store createStore() {
      return StoreContract.this.createStore();
    }

    @Override
    protected Connection openConnection() throws SQLException {
      return StoreContract.this.openConnection();
    }
  }

  @Nested
  class Queues extends QueuesContract {
    @Override
    protected Store createStore() {
      return StoreContract.this.createStore();
    }

    @Override
    protected Connection openConnection() throws SQLException {
      return StoreContract.this.openConnection();
    }
  }

  @Nested
  class Notify extends NotifyContract {
    @Override
    protected Store createStore() {
      return StoreContract.this.createStore();
    }

    @Override
    protected Connection openConnection() throws SQLException {
      return StoreContract.this.openConnection();
    }
  }

  @Nested
  class Concurrency extends ConcurrencyContract {
    @Override
    protected Store createStore() {
      return StoreContract.this.createStore();
    }

    @Override
    protected Connection openConnection() throws SQLException {
      return StoreContract.this.openConnection();
    }
  }

  @Nested
  class Bulk extends BulkContract {
    @Override
    protected Store createStore() {
      return StoreContract.this.createStore();
    }

    @Override
    protected Connection openConnection() throws SQLException {
      return StoreContract.this.openConnection();
    }
  }

  @Nested
  class FollowUps extends FollowUpsContract {
    @Override
    protected Store createStore() {
      return StoreContract.this.createStore();
    }

    @Override
    protected Connection openConnection() throws SQLException {
      return StoreContract.this.openConnection();
    }
  }

  @Nested
  class TransactionalEnqueue extends TransactionalEnqueueContract {
    @Override
    protected Store createStore() {
      return StoreContract.this.createStore();
    }

    @Override
    protected Connection openConnection() throws SQLException {
      return StoreContract.this.openConnection();
    }
  }

  @Nested
  class Uniqueness extends UniquenessContract {
    @Override
    protected Store createStore() {
      return StoreContract.this.createStore();
    }

    @Override
    protected Connection openConnection() throws SQLException {
      return StoreContract.this.openConnection();
    }
  }

  @Nested
  class TransactionalUniqueness extends TransactionalUniquenessContract {
    @Override
    protected Store createStore() {
      return StoreContract.this.createStore();
    }

    @Override
    protected Connection openConnection() throws SQLException {
      return StoreContract.this.openConnection();
    }
  }

  @Nested
  class Dependencies extends DependenciesContract {
    @Override
    protected Store createStore() {
      return StoreContract.this.createStore();
    }

    @Override
    protected Connection openConnection() throws SQLException {
      return StoreContract.this.openConnection();
    }
  }

  @Nested
  class Batches extends BatchesContract {
    @Override
    protected Store createStore() {
      return StoreContract.this.createStore();
    }

    @Override
    protected Connection openConnection() throws SQLException {
      return StoreContract.this.openConnection();
    }
  }

  @Nested
  class Leadership extends LeadershipContract {
    @Override
    protected Store createStore() {
      return StoreContract.this.createStore();
    }

    @Override
    protected Connection openConnection() throws SQLException {
      return StoreContract.this.openConnection();
    }
  }

  @Nested
  class Nodes extends NodesContract {
    @Override
    protected Store createStore() {
      return StoreContract.this.createStore();
    }

    @Override
    protected Connection openConnection() throws SQLException {
      return StoreContract.this.openConnection();
    }
  }

  @Nested
  class Migrations extends MigrationsContract {
    @Override
    protected Store createStore() {
      return StoreContract.this.createStore();
    }

    @Override
    protected Connection openConnection() throws SQLException {
      return StoreContract.this.openConnection();
    }
  }
}
