package dev.errand.spi;

import dev.errand.Enqueued;
import dev.errand.JobEdges;
import dev.errand.JobInfo;
import dev.errand.JobQuery;
import dev.errand.NodeInfo;
import dev.errand.QueueInfo;
import dev.errand.StoreException;
import java.sql.Connection;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * Where jobs live. Every method is thread-safe, atomic on its own, and throws {@link
 * StoreException} (never a backend's own exception) when the backend fails; the engine retries with
 * backoff. Every time comes from the parameters, never from the store's own clock, so that tests
 * can move time.
 *
 * <p>The hot path is batch-shaped ({@link #jobInsertMany}, {@link #jobFetch}, {@link
 * #jobFinishMany}, {@link #jobHeartbeat}): a store should serve each call in one round-trip.
 * Concurrency guarantees, checked by the contract suite: competing fetchers never receive the same
 * job; fetch order is priority, then {@code scheduledAt}, then id; a write for a running job is
 * fenced by its {@link JobRef}.
 *
 * <p>Text reaching a store (args, tags, metadata, lease owners, errors and reasons) holds no NUL
 * character and no unpaired UTF-16 surrogate: core refuses them where they enter and replaces them
 * in the errors it records itself, since PostgreSQL cannot keep the one and silently alters the
 * other. A store keeps every other character exactly, supplementary ones such as emoji included. A
 * store keeps each microsecond from {@link dev.errand.EnqueueOptions#MIN_RUN_AT} to {@link
 * dev.errand.EnqueueOptions#MAX_RUN_AT} exactly: the run times an enqueue accepts.
 */
public interface Store extends AutoCloseable {

  /** What this store can do beyond this interface. */
  Set<Capability> capabilities();

  /** The wake-up channel, when {@link Capability#LISTEN_NOTIFY} is declared. */
  default Optional<Notifier> notifier() {
    return Optional.empty();
  }

  /**
   * The store's own clock, read now, for a store that processes on several hosts share (the
   * database server's clock on PostgreSQL); empty where this process's clock is the store's (the
   * in-memory and SQLite stores). Every lease, leadership term and run time is computed from the
   * node's clock, so nodes must agree on the time: each node compares its clock with this one and
   * warns when they disagree by more than a quarter of a lease.
   *
   * @throws dev.errand.StoreException if the store failed
   */
  default Optional<Instant> time() {
    return Optional.empty();
  }

  /**
   * The schema migrations of a store that keeps tables (the SQL stores); empty for one that needs
   * none (the in-memory store). Tools create, upgrade and check any store's tables through it,
   * instead of asking which store it is.
   */
  default Optional<SchemaMigrations> migrations() {
    return Optional.empty();
  }

  /**
   * Inserts jobs, all or none. Each is {@code AVAILABLE} if its {@code scheduledAt} is not after
   * {@code now}, else {@code SCHEDULED}, with {@code attempt = 0}. Wakes the queues' listeners.
   *
   * <p>With {@link Capability#UNIQUE_JOBS}: a job whose {@link NewJob#uniqueKey()} is held, that is
   * a stored job with that key is in one of its own {@link NewJob#uniqueStates()}, is not inserted;
   * its entry is the holder's id and current state, with {@code duplicate} true. A key repeated
   * within one call is a duplicate of its first occurrence. At most one job holds a key at any
   * time, however many threads and processes insert at once. The ids of unique jobs of one call
   * need not follow the call's order.
   *
   * <p>A job with {@link NewJob#dependsOn() dependencies} (stores with {@link
   * Capability#DEPENDENCIES}) counts those already finished at once and is stored {@code PENDING}
   * while any is unfinished; or {@code CANCELLED} at once if one already failed and its policy is
   * {@code CANCEL}. Whenever a job reaches a final state (completed, discarded, cancelled, or is
   * deleted, which counts as cancelled), the store updates its dependents in the same atomic write:
   * a dependent whose last dependency finished becomes {@code AVAILABLE} (or {@code SCHEDULED}
   * before its run time), one with policy {@code CANCEL} is cancelled when a dependency fails, and
   * cancelling it resolves its own dependents in turn. Exactly one write makes a dependent leave
   * {@code PENDING}, however many nodes finish its dependencies at once.
   *
   * @return one entry per job, in order
   * @throws dev.errand.UnknownDependencyException if a dependency names no stored job; then nothing
   *     is stored
   */
  List<Enqueued> jobInsertMany(JobInsertManyParams params);

  /**
   * {@link #jobInsertMany(JobInsertManyParams)} inside the caller's open transaction on {@code
   * connection}: the jobs become visible, and listeners are woken, only when the caller commits; a
   * rollback leaves nothing. The store neither commits nor closes the connection. Only stores that
   * declare {@link Capability#TX_ENQUEUE} implement it.
   *
   * @throws UnsupportedOperationException if this store cannot join the caller's transaction
   */
  default List<Enqueued> jobInsertMany(Connection connection, JobInsertManyParams params) {
    throw new UnsupportedOperationException(
        getClass().getSimpleName() + " cannot enqueue inside the caller's transaction");
  }

  /**
   * Inserts a batch, all or none: the members (as {@link #jobInsertMany}), then the callback,
   * waiting on every member with policy {@code RUN}, so that it becomes available exactly once,
   * when the last member finishes, and its {@link JobInfo#dependencies()} tell how the members
   * ended. Only stores that declare {@link Capability#DEPENDENCIES} implement it.
   *
   * @return one entry per member, in order, then one for the callback
   * @throws UnsupportedOperationException if this store has no dependencies
   */
  default List<Enqueued> jobInsertBatch(JobInsertBatchParams params) {
    throw new UnsupportedOperationException(
        getClass().getSimpleName() + " has no job dependencies, so no batches");
  }

  /**
   * {@link #jobInsertBatch(JobInsertBatchParams)} inside the caller's open transaction on {@code
   * connection}, as {@link #jobInsertMany(Connection, JobInsertManyParams)}. Only stores that
   * declare both {@link Capability#DEPENDENCIES} and {@link Capability#TX_ENQUEUE} implement it.
   */
  default List<Enqueued> jobInsertBatch(Connection connection, JobInsertBatchParams params) {
    throw new UnsupportedOperationException(
        getClass().getSimpleName() + " cannot insert a batch inside the caller's transaction");
  }

  /**
   * Stores jobs brought from another store, each with its history: as {@link #jobInsertMany} for
   * unique jobs, then, for each job stored, its {@code attempt} and {@code errors} as given and its
   * state {@code RETRYABLE} if it is retrying — all in one atomic write, so that no reader sees an
   * imported job without its history. A job whose unique key is held is not stored: its entry is
   * the holder's, marked duplicate. Every store implements it.
   *
   * @return one entry per job, in order
   */
  List<Enqueued> jobImport(JobImportParams params);

  /**
   * Claims up to {@code limit} {@code AVAILABLE} jobs of a queue whose {@code scheduledAt} is not
   * after {@code now}, in order of priority, {@code scheduledAt}, id; nothing from a paused queue.
   * Each claimed job becomes {@code RUNNING} with {@code attempt + 1}, {@code attemptedAt = now}
   * and the given lease, and no {@code heartbeatAt} (an earlier attempt's is cleared).
   *
   * @return the claimed jobs as they are after the claim, in claim order
   */
  List<JobInfo> jobFetch(JobFetchParams params);

  /**
   * Writes attempt results, all or none. Each applies only if its job is still {@code RUNNING} at
   * its attempt ({@link JobRef}); the others are skipped, not errors. The follow-up jobs of an
   * applied {@link JobFinish.Completed} are inserted in the same atomic write, and wake their
   * queues' listeners. An error a result appends is kept with the run it ended, {@link
   * dev.errand.AttemptError#withRun} the job's {@code attemptedAt} and {@code leaseOwner} as they
   * are when the result applies (whatever run the given error names).
   */
  JobFinishManyResult jobFinishMany(JobFinishManyParams params);

  /**
   * Extends the leases of running attempts held by {@code owner}, setting each renewed job's {@code
   * heartbeatAt} to {@code now}, and reports those it no longer holds.
   */
  JobHeartbeatResult jobHeartbeat(JobHeartbeatParams params);

  /**
   * Rescues {@code RUNNING} jobs whose lease expired before {@code now}: the attempt counts as
   * failed with an error {@code "lease_expired"}, kept with the run it ended (the job's {@code
   * attemptedAt} and {@code leaseOwner}); the job becomes {@code RETRYABLE} at {@code now}, or
   * {@code DISCARDED} if that was its last attempt.
   */
  JobRescueResult jobRescueExpired(JobRescueParams params);

  /**
   * Makes {@code SCHEDULED} and {@code RETRYABLE} jobs whose time has come {@code AVAILABLE}, and
   * wakes their queues' listeners.
   */
  JobStageResult jobStage(JobStageParams params);

  /**
   * Deletes final jobs past their retention, at most {@code limit}.
   *
   * @return how many were deleted
   */
  int jobPrune(JobPruneParams params);

  /** The job with this id. */
  Optional<JobInfo> jobGet(long id);

  /**
   * A page of jobs matching {@code query}: ids from {@link JobQuery#minId()} to {@link
   * JobQuery#maxId()}, ascending for {@link dev.errand.JobOrder#OLDEST_FIRST}, descending for
   * {@link dev.errand.JobOrder#NEWEST_FIRST}, at most {@link JobQuery#limit()}.
   */
  List<JobInfo> jobList(JobQuery query);

  /**
   * The unresolved dependency edges of job {@code id} (see {@link JobEdges}): the jobs it waits on
   * that have not ended, and the stored jobs waiting on it while it has not ended, each in
   * ascending id order, at most {@link JobEdgesParams#limit()} of each. An edge disappears in the
   * same atomic write that counts its dependency's end. A job that does not exist has none. Stores
   * without {@link Capability#DEPENDENCIES} have none: the default returns {@link JobEdges#NONE}.
   */
  default JobEdges jobEdges(JobEdgesParams params) {
    return JobEdges.NONE;
  }

  /**
   * Cancels a job in any non-final state, including {@code RUNNING} (its holder's later result is
   * then fenced out). A job already final is left as it is.
   *
   * @return the job after the call, or empty if there is none
   */
  Optional<JobInfo> jobCancel(JobCancelParams params);

  /**
   * Makes a job that is not running {@code AVAILABLE} now, clearing {@code finalizedAt}; if it had
   * used all its attempts it gets one more. A running job is left as it is.
   *
   * @return the job after the call, or empty if there is none
   * @throws dev.errand.DuplicateJobException if the job is unique and another job holds its key
   *     now; nothing changes
   */
  Optional<JobInfo> jobRetry(JobRetryParams params);

  /**
   * Deletes a job that is not running. Jobs that depend on it count it as cancelled at {@code now},
   * in the same atomic write.
   *
   * @return false if there is no such job or it is running
   */
  boolean jobDelete(JobDeleteParams params);

  /**
   * Pauses a queue on every node: {@link #jobFetch} returns nothing from it until resumed. A queue
   * that holds no jobs, or that the store has never seen, is recorded as paused all the same, so
   * that a queue can be paused ahead of its traffic: it is listed by {@link #queueList()} as paused
   * (with no counts), and jobs inserted into it later wait until it is resumed. Pausing a paused
   * queue changes nothing.
   */
  void queuePause(String queue);

  /**
   * Resumes a paused queue and wakes its listeners. Resuming a queue that is not paused, including
   * one the store has never seen, changes nothing and is not an error: such a queue is not listed
   * afterwards unless it holds jobs.
   */
  void queueResume(String queue);

  /**
   * Every queue that holds jobs or is paused, by name, with per-state counts. A queue that was
   * resumed and holds no jobs is not listed.
   */
  List<QueueInfo> queueList();

  /**
   * Every queue as {@link #queueList()} lists them, reading at most about {@link
   * QueueListParams#exactUpTo()} jobs per state however many are stored: counts up to that bound
   * are exact; a count past it may be an estimate, marked in {@link QueueInfo#estimated()}, that
   * the store makes without reading the jobs. A count not marked is exact. The default gives {@link
   * #queueList()}'s exact counts: right for a store whose counts are cheap.
   */
  default List<QueueInfo> queueList(QueueListParams params) {
    return queueList();
  }

  /**
   * Acquires or renews a named leadership for {@code owner}: it succeeds when nobody holds it, when
   * {@code owner} already holds it (extending it to {@code expiresAt}), or when the holder's
   * leadership expired before {@code now}. At most one owner holds a name at any time, however many
   * nodes ask at once.
   *
   * @return whether {@code owner} holds the leadership until {@code expiresAt}
   */
  boolean leaderElect(LeaderElectParams params);

  /** Gives up a leadership held by {@code owner}, so that another node can take it at once. */
  void leaderResign(LeaderResignParams params);

  /**
   * Records a node's report of itself, replacing its previous entry whole (its queues, kinds and
   * times), or creating it. Only stores that declare {@link Capability#NODE_REGISTRY} implement the
   * node methods.
   *
   * @throws UnsupportedOperationException if this store has no node registry
   */
  default void nodeReport(NodeReportParams params) {
    throw noNodeRegistry();
  }

  /** Deletes a node's entry, as a node does when it stops; an absent entry is no error. */
  default void nodeRemove(NodeRemoveParams params) {
    throw noNodeRegistry();
  }

  /**
   * The live nodes: every entry that has not expired before {@code now} (one expiring exactly at
   * {@code now} still counts, as a leadership does), in id order. Expired entries are never listed,
   * whether or not they were pruned yet.
   */
  default List<NodeInfo> nodeList(NodeListParams params) {
    throw noNodeRegistry();
  }

  /**
   * Deletes the entries that expired before {@code now}: nodes that died without removing
   * themselves.
   *
   * @return how many were deleted
   */
  default int nodePrune(NodePruneParams params) {
    throw noNodeRegistry();
  }

  private UnsupportedOperationException noNodeRegistry() {
    return new UnsupportedOperationException(
        getClass().getSimpleName() + " has no node registry (Capability.NODE_REGISTRY)");
  }

  /** Releases the store's resources. Jobs stay stored (if the store is durable). */
  @Override
  void close();
}
