package dev.errand.examples;

import dev.errand.JobState;
import java.time.Duration;
import java.util.Map;

/**
 * What a running {@link DemoApp} has done so far: one line of progress.
 *
 * @param elapsed since the demo started
 * @param completed jobs that completed
 * @param retried failed attempts that will be retried
 * @param failed jobs that failed for good (discarded)
 * @param states how many jobs the store holds in each state
 * @param cronRuns runs of the cron job
 * @param duplicatesSkipped rebuilds asked for while one waited: unique, so not stored
 * @param ticketBatchesSent events whose tickets the batch callback sent
 * @param uniqueJobs whether the demo runs its cron job and its unique job on this store
 * @param batches whether the demo runs its ticket batches on this store
 * @param enqueueFailures enqueues that failed (the store was unreachable)
 */
record DemoProgress(
    Duration elapsed,
    long completed,
    long retried,
    long failed,
    Map<JobState, Long> states,
    long cronRuns,
    long duplicatesSkipped,
    long ticketBatchesSent,
    boolean uniqueJobs,
    boolean batches,
    long enqueueFailures) {

  DemoProgress {
    states = Map.copyOf(states);
  }

  long count(JobState state) {
    return states.getOrDefault(state, 0L);
  }
}
