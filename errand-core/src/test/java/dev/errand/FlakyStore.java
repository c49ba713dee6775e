package dev.errand;

import dev.errand.spi.Capability;
import dev.errand.spi.JobCancelParams;
import dev.errand.spi.JobFetchParams;
import dev.errand.spi.JobFinishManyParams;
import dev.errand.spi.JobFinishManyResult;
import dev.errand.spi.JobHeartbeatParams;
import dev.errand.spi.JobHeartbeatResult;
import dev.errand.spi.JobInsertManyParams;
import dev.errand.spi.JobPruneParams;
import dev.errand.spi.JobRescueParams;
import dev.errand.spi.JobRescueResult;
import dev.errand.spi.JobRetryParams;
import dev.errand.spi.JobStageParams;
import dev.errand.spi.JobStageResult;
import dev.errand.spi.LeaderElectParams;
import dev.errand.spi.LeaderResignParams;
import dev.errand.spi.Store;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A store whose fetch and finish fail a given number of times before working, as a database does
 * while it restarts, and whose heartbeats fail as many times as {@link #failHeartbeats(int)} says.
 * It has no notifier, so nodes on it poll.
 */
final class FlakyStore implements Store {
  private final Store delegate;
  private final AtomicInteger fetchFailures;
  private final AtomicInteger finishFailures;
  private final AtomicInteger heartbeatFailures = new AtomicInteger();
  private volatile CountDownLatch finishGate = new CountDownLatch(0);

  FlakyStore(Store delegate, int failuresEach) {
    this.delegate = delegate;
    this.fetchFailures = new AtomicInteger(failuresEach);
    this.finishFailures = new AtomicInteger(failuresEach);
  }

  /**
   * Makes every result write wait, as on a database that stalls, until {@link #releaseFinishes}.
   */
  void holdFinishes() {
    finishGate = new CountDownLatch(1);
  }

  void releaseFinishes() {
    finishGate.countDown();
  }

  /** Makes the next {@code times} heartbeats fail. */
  void failHeartbeats(int times) {
    heartbeatFailures.set(times);
  }

  int heartbeatFailuresLeft() {
    return Math.max(0, heartbeatFailures.get());
  }

  int failuresLeft() {
    return Math.max(0, fetchFailures.get()) + Math.max(0, finishFailures.get());
  }

  private static void maybeFail(AtomicInteger left, String what) {
    if (left.getAndDecrement() > 0) {
      throw new StoreException(what + " failed: connection refused (simulated)");
    }
  }

  @Override
  public Set<Capability> capabilities() {
    return Set.of();
  }

  @Override
  public List<Enqueued> jobInsertMany(JobInsertManyParams params) {
    return delegate.jobInsertMany(params);
  }

  @Override
  public List<Enqueued> jobImport(dev.errand.spi.JobImportParams params) {
    return delegate.jobImport(params);
  }

  @Override
  public List<JobInfo> jobFetch(JobFetchParams params) {
    maybeFail(fetchFailures, "fetch");
    return delegate.jobFetch(params);
  }

  @Override
  public JobFinishManyResult jobFinishMany(JobFinishManyParams params) {
    maybeFail(finishFailures, "finish");
    try {
      finishGate.await();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new StoreException("finish interrupted while held");
    }
    return delegate.jobFinishMany(params);
  }

  @Override
  public JobHeartbeatResult jobHeartbeat(JobHeartbeatParams params) {
    maybeFail(heartbeatFailures, "heartbeat");
    return delegate.jobHeartbeat(params);
  }

  @Override
  public JobRescueResult jobRescueExpired(JobRescueParams params) {
    return delegate.jobRescueExpired(params);
  }

  @Override
  public JobStageResult jobStage(JobStageParams params) {
    return delegate.jobStage(params);
  }

  @Override
  public int jobPrune(JobPruneParams params) {
    return delegate.jobPrune(params);
  }

  @Override
  public Optional<JobInfo> jobGet(long id) {
    return delegate.jobGet(id);
  }

  @Override
  public List<JobInfo> jobList(JobQuery query) {
    return delegate.jobList(query);
  }

  @Override
  public Optional<JobInfo> jobCancel(JobCancelParams params) {
    return delegate.jobCancel(params);
  }

  @Override
  public Optional<JobInfo> jobRetry(JobRetryParams params) {
    return delegate.jobRetry(params);
  }

  @Override
  public boolean jobDelete(dev.errand.spi.JobDeleteParams params) {
    return delegate.jobDelete(params);
  }

  @Override
  public void queuePause(String queue) {
    delegate.queuePause(queue);
  }

  @Override
  public void queueResume(String queue) {
    delegate.queueResume(queue);
  }

  @Override
  public List<QueueInfo> queueList() {
    return delegate.queueList();
  }

  @Override
  public boolean leaderElect(LeaderElectParams params) {
    return delegate.leaderElect(params);
  }

  @Override
  public void leaderResign(LeaderResignParams params) {
    delegate.leaderResign(params);
  }

  @Override
  public void close() {}
}
