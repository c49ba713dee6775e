package dev.errand;

import dev.errand.internal.engine.AttemptResult;
import dev.errand.internal.engine.StoredText;
import dev.errand.spi.JobFetchParams;
import dev.errand.spi.JobFinishManyParams;
import dev.errand.spi.JobHeartbeatParams;
import dev.errand.spi.JobRef;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;

/**
 * Jobs worked outside this process, from {@link Errand#leases()}: a worker in any language fetches
 * jobs under a lease, renews it while it works, and reports one result per attempt. Thread-safe.
 *
 * <p>The rules are the engine's own: a failure is retried with the default {@link Backoff} (or the
 * worker's delay) until the job's {@code maxAttempts}, then discarded; a snooze does not count the
 * attempt. Every result is fenced by its {@link AttemptRef}: once a lease has expired and the job
 * was rescued, or the job was cancelled or deleted, the old holder's result is refused ({@code
 * false}). Expired leases are rescued by the maintenance leader, so some node on the store must be
 * {@link Errand#start() started} (a node without queues runs the maintenance services). Results are
 * written at once, one store call each, and are not reported to {@link JobListener}s.
 */
public final class Leases {

  /**
   * The longest lease of {@link #fetch} and {@link #heartbeat}: a day. A worker that works longer
   * renews its lease with heartbeats; a lease far longer would keep a crashed worker's job from
   * being rescued for as long.
   */
  public static final Duration MAX_LEASE = Duration.ofDays(1);

  /** The longest owner (worker) name of {@link #fetch} and {@link #heartbeat}, in UTF-16 units. */
  public static final int MAX_OWNER_LENGTH = 128;

  private final Config config;

  Leases(Config config) {
    this.config = config;
  }

  /**
   * Claims up to {@code limit} available jobs from {@code queues} (in the order given, each in
   * fetch order), of {@code kinds} only (empty: any kind), leased to {@code owner} for {@code
   * lease}.
   *
   * @throws IllegalArgumentException naming the invalid argument: among others an {@code owner}
   *     that is blank, longer than {@link #MAX_OWNER_LENGTH} or holds a NUL character or an
   *     unpaired surrogate, or a {@code lease} longer than {@link #MAX_LEASE}
   */
  public List<JobInfo> fetch(
      Collection<String> queues, Set<String> kinds, int limit, String owner, Duration lease) {
    if (queues.isEmpty()) {
      throw new IllegalArgumentException("queues must name at least one queue");
    }
    queues.forEach(Config::checkQueueName);
    kinds.forEach(Config::checkKind);
    if (limit < 1 || limit > config.fetchBatchMax()) {
      throw new IllegalArgumentException(
          "limit must be between 1 and " + config.fetchBatchMax() + ", was " + limit);
    }
    checkOwner(owner);
    checkLease(lease);
    Instant now = now();
    List<JobInfo> fetched = new ArrayList<>();
    for (String queue : queues) {
      if (fetched.size() == limit) {
        break;
      }
      fetched.addAll(
          config
              .store()
              .jobFetch(
                  new JobFetchParams(
                      queue, kinds, limit - fetched.size(), owner, now, now.plus(lease))));
    }
    return fetched;
  }

  /**
   * Extends the leases of {@code attempts} held by {@code owner} to {@code lease} from now.
   *
   * @return the ids whose lease was lost (rescued, cancelled, deleted): stop working them
   */
  public Set<Long> heartbeat(String owner, Collection<AttemptRef> attempts, Duration lease) {
    checkOwner(owner);
    checkLease(lease);
    List<JobRef> refs = attempts.stream().map(a -> new JobRef(a.jobId(), a.attempt())).toList();
    Instant now = now();
    return config
        .store()
        .jobHeartbeat(new JobHeartbeatParams(owner, refs, now, now.plus(lease)))
        .lost();
  }

  /** Records the attempt as completed; false if the lease was lost. */
  public boolean complete(AttemptRef attempt) {
    return write(AttemptResult.of(ref(attempt), now(), Outcome.complete(), List.of(), null));
  }

  /**
   * Runs the job again after {@code delay} without counting the attempt; false if lost.
   *
   * @throws IllegalArgumentException as {@link Outcome#snooze(Duration)}
   */
  public boolean snooze(AttemptRef attempt, Duration delay) {
    return write(AttemptResult.of(ref(attempt), now(), Outcome.snooze(delay), List.of(), null));
  }

  /**
   * Ends the job as {@link JobState#DISCARDED} with {@code reason}; false if lost.
   *
   * @throws IllegalArgumentException as {@link Outcome#discard(String)}
   */
  public boolean discard(AttemptRef attempt, String reason) {
    return write(AttemptResult.of(ref(attempt), now(), Outcome.discard(reason), List.of(), null));
  }

  /**
   * Records the attempt as failed with the given error, kept on the job: retried after {@code
   * retryIn} (null: the default backoff), or discarded if it was the job's last attempt.
   *
   * @return false if the lease was lost
   * @throws IllegalArgumentException if {@code retryIn} is negative or longer than {@link
   *     EnqueueOptions#MAX_RUN_IN}, or {@code errorClass}, {@code message} or {@code stackTrace}
   *     holds a NUL character or an unpaired surrogate (the message names the parameter)
   */
  public boolean fail(
      AttemptRef attempt, String errorClass, String message, String stackTrace, Duration retryIn) {
    Objects.requireNonNull(errorClass, "errorClass");
    StoredText.check("errorClass", errorClass);
    StoredText.check("message", message);
    StoredText.check("stackTrace", stackTrace);
    if (retryIn != null) {
      EnqueueOptions.checkDelay("retryIn", retryIn);
    }
    Optional<JobInfo> job = config.store().jobGet(attempt.jobId());
    if (job.isEmpty()
        || job.get().state() != JobState.RUNNING
        || job.get().attempt() != attempt.attempt()) {
      return false;
    }
    AttemptError error =
        new AttemptError(attempt.attempt(), now(), errorClass, message, stackTrace);
    return write(
        AttemptResult.failed(
            ref(attempt),
            job.get().maxAttempts(),
            job.get().kind(),
            error,
            () -> retryIn != null ? retryIn : Backoff.DEFAULT.delay(attempt.attempt()),
            null));
  }

  private boolean write(AttemptResult result) {
    return config
        .store()
        .jobFinishMany(new JobFinishManyParams(List.of(result.finish())))
        .applied()
        .contains(result.finish().ref().id());
  }

  private static JobRef ref(AttemptRef attempt) {
    return new JobRef(attempt.jobId(), attempt.attempt());
  }

  private static void checkOwner(String owner) {
    if (owner == null || owner.isBlank() || owner.length() > MAX_OWNER_LENGTH) {
      throw new IllegalArgumentException(
          "owner must be 1 to "
              + MAX_OWNER_LENGTH
              + " characters, was "
              + (owner == null ? "null" : "'" + owner + "'"));
    }
    StoredText.check("owner", owner);
  }

  private static void checkLease(Duration lease) {
    if (lease == null || !lease.isPositive() || lease.compareTo(MAX_LEASE) > 0) {
      throw new IllegalArgumentException(
          "lease must be positive and at most " + MAX_LEASE + ", was " + lease);
    }
  }

  private Instant now() {
    return config.clock().instant();
  }
}
