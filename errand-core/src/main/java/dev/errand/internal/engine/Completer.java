package dev.errand.internal.engine;

import dev.errand.Config;
import dev.errand.spi.JobFinish;
import dev.errand.spi.JobFinishManyParams;
import dev.errand.spi.JobFinishManyResult;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * Writes attempt results in batches: whatever accumulated while the previous batch was being
 * written goes in the next store call. Under load this turns thousands of completions a second into
 * a few round-trips; when idle a single result is written at once. A batch that fails is kept and
 * retried (with the loop's backoff) before anything newer. Once a batch is written, it tells each
 * attempt's owner through {@link ResultWritten}.
 */
final class Completer extends Service {
  private static final long POLL_MILLIS = 200;

  private final Config config;
  private final LinkedBlockingQueue<HeldAttempt> pending = new LinkedBlockingQueue<>();
  private volatile List<HeldAttempt> failedBatch;

  Completer(Config config) {
    super("completer");
    this.config = config;
  }

  /** Queues a settled attempt's {@link HeldAttempt#result} to be written. */
  void submit(HeldAttempt attempt) {
    pending.add(attempt);
  }

  @Override
  protected Duration runOnce() throws InterruptedException {
    List<HeldAttempt> batch = failedBatch;
    if (batch == null) {
      HeldAttempt first = pending.poll(POLL_MILLIS, TimeUnit.MILLISECONDS);
      if (first == null) {
        return Duration.ZERO;
      }
      batch = new ArrayList<>();
      batch.add(first);
      pending.drainTo(batch, config.completerBatchMax() - 1);
    }
    failedBatch = batch;
    write(batch);
    failedBatch = null;
    return Duration.ZERO;
  }

  /**
   * Writes everything still pending, after the loop has stopped; gives up after {@code timeout},
   * leaving those jobs to be rescued when their leases expire.
   */
  void flush(Duration timeout) {
    long deadline = System.nanoTime() + timeout.toNanos();
    int failures = 0;
    while (true) {
      List<HeldAttempt> batch = failedBatch;
      if (batch == null) {
        batch = new ArrayList<>();
        pending.drainTo(batch, config.completerBatchMax());
        if (batch.isEmpty()) {
          return;
        }
      }
      failedBatch = batch;
      try {
        write(batch);
        failedBatch = null;
      } catch (RuntimeException e) {
        failures++;
        Duration wait = backoff(failures);
        if (System.nanoTime() + wait.toNanos() > deadline) {
          log.error(
              "could not write {} job results before shutdown; their jobs will be retried once"
                  + " their leases expire",
              batch.size() + pending.size(),
              e);
          return;
        }
        try {
          Thread.sleep(wait);
        } catch (InterruptedException ie) {
          Thread.currentThread().interrupt();
          return;
        }
      }
    }
  }

  private void write(List<HeldAttempt> batch) {
    List<JobFinish> finishes = new ArrayList<>(batch.size());
    for (HeldAttempt attempt : batch) {
      finishes.add(attempt.result.finish());
    }
    JobFinishManyResult result = config.store().jobFinishMany(new JobFinishManyParams(finishes));
    for (HeldAttempt attempt : batch) {
      attempt.owner.resultWritten(
          attempt, result.applied().contains(attempt.result.finish().ref().id()));
    }
  }
}
