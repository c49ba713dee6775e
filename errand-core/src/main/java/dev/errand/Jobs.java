package dev.errand;

import dev.errand.internal.engine.JobSignals;
import dev.errand.spi.JobCancelParams;
import dev.errand.spi.JobDeleteParams;
import dev.errand.spi.JobEdgesParams;
import dev.errand.spi.JobRetryParams;
import java.util.List;
import java.util.Optional;

/** Reading and managing single jobs, from {@link Errand#jobs()}. Thread-safe. */
public final class Jobs {
  private final Config config;
  private final JobSignals engine;

  Jobs(Config config, JobSignals engine) {
    this.config = config;
    this.engine = engine;
  }

  /** The job with this id, if it exists (finished jobs are pruned after their retention). */
  public Optional<JobInfo> get(long id) {
    return config.store().jobGet(id);
  }

  /** A page of jobs matching {@code query}, oldest id first. */
  public JobPage list(JobQuery query) {
    List<JobInfo> jobs = config.store().jobList(query);
    long next = jobs.size() == query.limit() ? jobs.get(jobs.size() - 1).id() : 0;
    return new JobPage(jobs, next);
  }

  /**
   * The jobs this job still waits on and the jobs still waiting on it, up to {@code limit} of each
   * in ascending id order (see {@link JobEdges}: an edge is dropped once its dependency ends, and
   * only counted in {@link JobInfo#dependencies()}). For a batch's callback the jobs it waits on
   * are the members not finished yet. Empty for an unknown job, or on a store without dependencies.
   *
   * @param limit from 1 to {@value dev.errand.spi.JobEdgesParams#MAX_LIMIT}
   * @throws IllegalArgumentException if {@code limit} is out of range
   */
  public JobEdges edges(long id, int limit) {
    return config.store().jobEdges(new JobEdgesParams(id, limit));
  }

  /**
   * Cancels a job that has not finished. A running job is interrupted (at once on this node, at its
   * next heartbeat on another) and whatever it returns is ignored.
   *
   * @return the job after the call (unchanged if it had already finished), or empty if none
   */
  public Optional<JobInfo> cancel(long id) {
    Optional<JobInfo> job =
        config
            .store()
            .jobCancel(new JobCancelParams(id, config.clock().instant(), "cancelled by request"));
    job.ifPresent(
        j -> {
          if (j.state() == JobState.CANCELLED) {
            engine.stopLocally(id, "it was cancelled");
          }
        });
    return job;
  }

  /**
   * Runs a job that is not running again now: a discarded or cancelled one from the dead set, a
   * retryable one without waiting for its backoff, a scheduled one early. A job that used all its
   * attempts gets one more.
   *
   * @return the job after the call, or empty if none
   * @throws DuplicateJobException if the job is unique and another job holds its key by now
   */
  public Optional<JobInfo> retry(long id) {
    Optional<JobInfo> job =
        config.store().jobRetry(new JobRetryParams(id, config.clock().instant()));
    job.ifPresent(
        j -> {
          if (j.state() == JobState.AVAILABLE) {
            engine.wakeQueue(j.queue());
          }
        });
    return job;
  }

  /**
   * Deletes a job that is not running.
   *
   * <p>Jobs that depend on it count it as cancelled.
   *
   * @return false if there is no such job, or it is running (cancel it first)
   */
  public boolean delete(long id) {
    return config.store().jobDelete(new JobDeleteParams(id, config.clock().instant()));
  }
}
