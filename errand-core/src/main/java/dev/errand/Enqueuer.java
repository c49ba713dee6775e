package dev.errand;

import java.util.Collection;
import java.util.List;

/**
 * Enqueues jobs at once, outside any transaction: what a running {@link Job} enqueues its follow-up
 * jobs through, with {@link Errand}'s verbs ({@code enqueue}, {@code enqueueAll}, {@code
 * enqueueMany}). {@link Errand} is one; a test that calls a worker directly may pass its own to
 * {@link Job#of(JobInfo, JobArgs, Enqueuer)}. Implementations are thread-safe.
 */
public interface Enqueuer {

  /**
   * Enqueues a job with default options.
   *
   * @throws JobArgsException if the args cannot be written as JSON or are too large
   * @throws StoreException if the store failed; then nothing was stored
   */
  default Enqueued enqueue(JobArgs args) {
    return enqueue(args, EnqueueOptions.defaults());
  }

  /**
   * Enqueues a job.
   *
   * @throws JobArgsException if the args cannot be written as JSON or are too large
   * @throws StoreException if the store failed; then nothing was stored
   */
  Enqueued enqueue(JobArgs args, EnqueueOptions options);

  /** Enqueues many jobs with default options in one store call: all or none are stored. */
  default List<Enqueued> enqueueAll(Collection<? extends JobArgs> args) {
    return enqueueAll(args, EnqueueOptions.defaults());
  }

  /**
   * Enqueues many jobs with the same options in one store call: all or none are stored.
   *
   * @return one entry per job, in order
   */
  List<Enqueued> enqueueAll(Collection<? extends JobArgs> args, EnqueueOptions options);

  /**
   * Enqueues jobs that each have their own options in one store call: all or none are stored.
   *
   * @return one entry per job, in order
   */
  List<Enqueued> enqueueMany(List<EnqueueRequest> requests);
}
