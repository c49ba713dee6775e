package dev.errand;

import java.time.Duration;

/**
 * Does the work of one job kind. Register it in the {@link Config}: {@link
 * Config.Builder#worker(Worker)} reads the args type from the class's {@code Worker<A>} and the
 * kind from that type's {@link JobKind}.
 *
 * <p>{@link #work(Job)} runs on the queue's executor, a virtual thread by default, possibly on many
 * threads at once: a worker must be thread-safe. Throwing fails the attempt: the job is retried
 * after {@link #backoff(Job)} or, after {@link #maxAttempts()}, discarded, and the exception is
 * kept in the job's errors. A worker should react to interruption: the engine interrupts it on
 * timeout, cancellation, or shutdown after the drain period.
 *
 * <pre>{@code
 * class SignInEmailWorker implements Worker<SignInEmail> {
 *   public Outcome work(Job<SignInEmail> job) throws Exception {
 *     mailer.send(job.args().address(), job.args().token());
 *     return Outcome.complete();
 *   }
 * }
 * }</pre>
 *
 * @param <A> the args type of the kind it works
 */
@FunctionalInterface
public interface Worker<A extends JobArgs> {

  /** The timeout of {@link #timeout(Job)} unless a worker says otherwise. */
  Duration DEFAULT_TIMEOUT = Duration.ofMinutes(5);

  /**
   * The longest {@link #timeout(Job)}: 100 years ({@code P36525D}), far below the 292 years a
   * deadline in nanoseconds can hold. Use {@link Duration#ZERO} for no limit.
   */
  Duration MAX_TIMEOUT = Duration.ofDays(36_525);

  /**
   * Works one attempt of {@code job}.
   *
   * @return what to do with the job: usually {@link Outcome#complete()}
   * @throws Exception to fail the attempt
   */
  Outcome work(Job<A> job) throws Exception;

  /**
   * How long one attempt may run before it is interrupted and counted as failed; {@link
   * Duration#ZERO} means no limit. A timeout longer than {@link #MAX_TIMEOUT} fails the attempt
   * before it starts, with an {@link IllegalArgumentException} kept in the job's errors, as does an
   * exception thrown here.
   *
   * <p>A timed-out attempt fails with a {@link JobTimeoutException}: retried after {@link
   * #backoff(Job)}, or discarded at the last attempt. A worker that ignores the interrupt is not
   * waited for: about a second after the interrupt its attempt is recorded as timed out while its
   * thread still runs, and whatever it returns later is dropped. Java cannot stop a thread, so that
   * thread keeps its slot of the queue until it returns: the queue never runs more jobs at once
   * than its concurrency, and runs fewer while such threads hang. Shutdown does not wait for them
   * either. The job's retry may then start, here or on another node, while that thread still runs:
   * work that must never overlap itself has to stop when interrupted.
   */
  default Duration timeout(Job<A> job) {
    return DEFAULT_TIMEOUT;
  }

  /** How long to wait before retrying {@code job} after its latest attempt failed. */
  default Duration backoff(Job<A> job) {
    return Backoff.DEFAULT.delay(job.attempt());
  }

  /**
   * How many attempts a job of this kind gets when its enqueue did not say, or 0 to use {@link
   * Config#defaultMaxAttempts()}. Applies to jobs enqueued in a process where this worker is
   * registered.
   */
  default int maxAttempts() {
    return 0;
  }

  /**
   * The uniqueness of jobs of this kind whose enqueue did not set {@link EnqueueOptions#unique}, or
   * null (the default) for none. Applies to jobs enqueued in a process where this worker is
   * registered.
   */
  default UniqueOptions unique() {
    return null;
  }
}
