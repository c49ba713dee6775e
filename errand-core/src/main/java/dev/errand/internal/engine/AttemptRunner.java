package dev.errand.internal.engine;

import dev.errand.AttemptError;
import dev.errand.Backoff;
import dev.errand.Config;
import dev.errand.Config.WorkerRegistration;
import dev.errand.EnqueueOptions;
import dev.errand.Enqueuer;
import dev.errand.ErrandException;
import dev.errand.Job;
import dev.errand.JobArgs;
import dev.errand.JobTimeoutException;
import dev.errand.Outcome;
import dev.errand.UnknownDependencyException;
import dev.errand.Worker;
import dev.errand.spi.NewJob;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Supplier;
import org.slf4j.MDC;

/**
 * Runs one attempt on the calling thread and says how it ended: decodes the args, calls the worker
 * with the job's identity in the MDC, enforces the worker's timeout (the {@link TimeoutSweeper}
 * interrupts the thread; this turns the interrupted attempt into a timeout), and turns what the
 * worker returned or threw into an {@link AttemptResult}. It writes nothing: whoever called it
 * decides whether the result still stands. One serves every queue; it keeps no state between
 * attempts.
 */
public final class AttemptRunner {
  /** MDC keys set while a job runs. */
  public static final String MDC_JOB_ID = "errand.job_id";

  public static final String MDC_KIND = "errand.kind";
  public static final String MDC_QUEUE = "errand.queue";
  public static final String MDC_ATTEMPT = "errand.attempt";

  private final Config config;
  private final JobEncoder encoder;

  /** Where a running job's follow-ups are enqueued at once. */
  private final Enqueuer enqueuer;

  AttemptRunner(Config config, JobEncoder encoder, Enqueuer enqueuer) {
    this.config = config;
    this.encoder = encoder;
    this.enqueuer = enqueuer;
  }

  /** Runs {@code attempt} now, on this thread, and returns how it ended. */
  AttemptResult run(HeldAttempt attempt) {
    attempt.startNanos = System.nanoTime();
    attempt.attach(Thread.currentThread());
    MDC.put(MDC_JOB_ID, Long.toString(attempt.info.id()));
    MDC.put(MDC_KIND, attempt.info.kind());
    MDC.put(MDC_QUEUE, attempt.info.queue());
    MDC.put(MDC_ATTEMPT, Integer.toString(attempt.info.attempt()));
    try {
      return execute(attempt);
    } catch (Throwable t) {
      // What the worker throws is caught in execute; this is anything else, an Error thrown while
      // decoding the args or asking the worker for its timeout, say. Let through, it would end
      // the slot's task without a result: the slot lost, and the job held (its lease renewed)
      // until shutdown. So it fails the attempt like a worker's exception, and keeps the error.
      return failed(attempt, t, () -> Backoff.DEFAULT.delay(attempt.info.attempt()));
    } finally {
      attempt.detach();
      Thread.interrupted(); // a late interrupt must not leak into the thread's next task
      MDC.remove(MDC_JOB_ID);
      MDC.remove(MDC_KIND);
      MDC.remove(MDC_QUEUE);
      MDC.remove(MDC_ATTEMPT);
    }
  }

  @SuppressWarnings("unchecked")
  private <A extends JobArgs> AttemptResult execute(HeldAttempt attempt) {
    WorkerRegistration<A> registration =
        (WorkerRegistration<A>) config.workers().get(attempt.info.kind());
    if (registration == null) {
      return failed(
          attempt,
          new ErrandException(
              "no worker is registered for kind '"
                  + attempt.info.kind()
                  + "' on node "
                  + config.nodeId()),
          () -> Backoff.DEFAULT.delay(attempt.info.attempt()));
    }
    A args;
    try {
      args = config.codec().decode(attempt.info.argsJson(), registration.argsType());
    } catch (RuntimeException e) {
      return failed(attempt, e, () -> Backoff.DEFAULT.delay(attempt.info.attempt()));
    }
    List<NewJob> followUps = new CopyOnWriteArrayList<>();
    Job<A> job =
        Job.of(
            attempt.info,
            args,
            enqueuer,
            () -> attempt.cancelled,
            (a, options) -> followUps.add(followUp(a, options)));
    Duration timeout;
    try {
      timeout = timeout(registration, job);
    } catch (RuntimeException e) {
      return failed(attempt, e, () -> registration.worker().backoff(job));
    }
    if (timeout != null && timeout.isPositive()) {
      attempt.job = job;
      attempt.timeout = timeout;
      attempt.deadlineNanos = System.nanoTime() + timeout.toNanos();
    }
    Outcome outcome = null;
    Throwable error = null;
    try {
      outcome = registration.worker().work(job);
    } catch (Throwable t) {
      error = t;
    } finally {
      attempt.deadlineNanos = 0;
    }
    if (attempt.timedOut) {
      JobTimeoutException timedOut = new JobTimeoutException(timeout);
      if (error != null) {
        timedOut.initCause(error);
      }
      error = timedOut;
    } else if (error == null && outcome == null) {
      error =
          new ErrandException(
              "the worker of kind '"
                  + attempt.info.kind()
                  + "' returned null; return Outcome.complete() instead");
    }
    if (error != null) {
      return failed(attempt, error, () -> registration.worker().backoff(job));
    }
    return AttemptResult.of(
        attempt.ref(), config.clock().instant(), outcome, followUps, attempt.elapsed());
  }

  /**
   * The result of an attempt whose worker has ignored the interrupt of its timeout for {@link
   * TimeoutSweeper#STUCK_AFTER}: a failure with a {@link JobTimeoutException}, retried after the
   * worker's backoff or discarded at the last attempt, recorded while the worker's thread still
   * runs. Called on the sweeper's thread, for an attempt whose deadline it saw set.
   */
  @SuppressWarnings("unchecked")
  <A extends JobArgs> AttemptResult stuck(HeldAttempt attempt) {
    Worker<A> worker = ((WorkerRegistration<A>) config.workers().get(attempt.info.kind())).worker();
    Job<A> job = (Job<A>) attempt.job;
    JobTimeoutException error = new JobTimeoutException(attempt.timeout);
    error.initCause(
        new ErrandException(
            "the worker ignored the interrupt for "
                + TimeoutSweeper.STUCK_AFTER
                + "; recorded as timed out while its thread ("
                + attempt.threadName()
                + ") still ran"));
    return failed(attempt, error, () -> worker.backoff(job));
  }

  /** The worker's timeout for {@code job}, checked: a longer one would overflow the deadline. */
  private static <A extends JobArgs> Duration timeout(
      WorkerRegistration<A> registration, Job<A> job) {
    Duration timeout = registration.worker().timeout(job);
    if (timeout != null && timeout.compareTo(Worker.MAX_TIMEOUT) > 0) {
      throw new IllegalArgumentException(
          "timeout of the worker of kind '"
              + registration.kind()
              + "' must be at most P36525D (100 years), or zero for none, was "
              + timeout);
    }
    return timeout;
  }

  /**
   * A job of {@link Job#enqueueOnCompletion}, checked now: a dependency that does not exist would
   * otherwise fail the completion's write over and over, so the attempt fails instead.
   */
  private NewJob followUp(JobArgs args, EnqueueOptions options) {
    NewJob followUp = encoder.encode(args, options, config.clock().instant());
    for (long dependency : followUp.dependsOn()) {
      if (config.store().jobGet(dependency).isEmpty()) {
        throw new UnknownDependencyException(dependency);
      }
    }
    return followUp;
  }

  private AttemptResult failed(HeldAttempt attempt, Throwable error, Supplier<Duration> backoff) {
    AttemptError attemptError =
        AttemptError.of(attempt.info.attempt(), config.clock().instant(), error);
    return AttemptResult.failed(
        attempt.ref(),
        attempt.info.maxAttempts(),
        attempt.info.kind(),
        attemptError,
        backoff,
        attempt.elapsed());
  }
}
